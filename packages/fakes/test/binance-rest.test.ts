import { describe, expect, test } from 'vitest'
import {
  binanceKlineRow,
  startFakeBinance,
  type BinanceKlineRow,
  type FakeBinance,
} from '../src/binance/index.ts'
import { venuePerTest } from './venue.ts'

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0)
let clock = T0
const startVenue = venuePerTest(startFakeBinance)
function start() {
  clock = T0
  return startVenue({ now: () => clock })
}

async function get(binance: FakeBinance, path: string) {
  const response = await fetch(`${binance.restUrl}${path}`)
  return {
    status: response.status,
    weight: response.headers.get('x-mbx-used-weight-1m'),
    retryAfter: response.headers.get('retry-after'),
    body: await response.json(),
  }
}

function minuteRows(count: number): BinanceKlineRow[] {
  return Array.from({ length: count }, (_, index) =>
    binanceKlineRow({
      interval: '1m',
      openTime: T0 - (count - index) * 60_000,
      o: '100.0',
      h: '101.0',
      l: '99.0',
      c: '100.5',
      v: '12.345',
      q: '1240.6725',
      n: 7,
    })
  )
}

describe('fake Binance REST', () => {
  test('exchangeInfo lists the perpetuals, a delivery contract and the weight limit', async () => {
    const binance = await start()
    const { status, body } = await get(binance, '/fapi/v1/exchangeInfo')
    expect(status).toBe(200)
    const info = body as { rateLimits: unknown[]; symbols: Record<string, unknown>[] }
    expect(info.rateLimits).toContainEqual({
      rateLimitType: 'REQUEST_WEIGHT',
      interval: 'MINUTE',
      intervalNum: 1,
      limit: 2400,
    })
    expect(info.symbols).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          symbol: 'BTCUSDT',
          contractType: 'PERPETUAL',
          status: 'TRADING',
          quoteAsset: 'USDT',
          marginAsset: 'USDT',
        }),
        expect.objectContaining({ symbol: 'ETHUSDT', contractType: 'PERPETUAL' }),
        expect.objectContaining({ symbol: 'BTCUSDT_250328', contractType: 'CURRENT_QUARTER' }),
      ]) as unknown
    )
  })

  test('klines: ascending, newest 500 by default, startTime/endTime inclusive, limit capped at 1500', async () => {
    const binance = await start()
    const rows = minuteRows(2000)
    binance.rest.setKlines('BTCUSDT', '1m', [...rows].reverse())

    const latest = await get(binance, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m')
    expect(latest.body).toEqual(rows.slice(-500))
    expect(latest.weight).toBe('5')

    const from = rows[10]![0]
    const to = rows[13]![0]
    const window = await get(
      binance,
      `/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${from}&endTime=${to}`
    )
    expect(window.body).toEqual(rows.slice(10, 14))

    const forward = await get(
      binance,
      `/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${from}&limit=3`
    )
    expect(forward.body).toEqual(rows.slice(10, 13))

    const backward = await get(
      binance,
      `/fapi/v1/klines?symbol=BTCUSDT&interval=1m&endTime=${to}&limit=2`
    )
    expect(backward.body).toEqual(rows.slice(12, 14))

    const capped = await get(binance, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=5000')
    expect(capped.body).toHaveLength(1500)
    expect(capped.weight).toBe(String(5 + 5 + 1 + 1 + 10))
  })

  test('klines errors: unknown symbol, bad interval, missing parameter', async () => {
    const binance = await start()
    expect(await get(binance, '/fapi/v1/klines?symbol=NOPEUSDT&interval=1m')).toMatchObject({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    })
    expect(await get(binance, '/fapi/v1/klines?symbol=BTCUSDT&interval=7m')).toMatchObject({
      status: 400,
      body: { code: -1120, msg: 'Invalid interval.' },
    })
    expect(await get(binance, '/fapi/v1/klines?interval=1m')).toMatchObject({
      status: 400,
      body: { code: -1102 },
    })
    expect(await get(binance, '/fapi/v1/klines?symbol=BTCUSDT&interval=1m')).toMatchObject({
      status: 200,
      body: [],
    })
  })

  test('openInterest, premiumIndex (object with symbol, array without), fundingRate, openInterestHist', async () => {
    const binance = await start()
    binance.rest.setOpenInterest('BTCUSDT', { openInterest: '81234.567', time: T0 })
    binance.rest.setPremiumIndex('BTCUSDT', {
      markPrice: '60010.12000000',
      lastFundingRate: '0.00010000',
      nextFundingTime: T0 + 3_600_000,
      time: T0,
    })
    binance.rest.setFundingHistory('BTCUSDT', [
      { fundingRate: '0.00010000', fundingTime: T0 - 16 * 3_600_000, markPrice: '59000.1' },
      { fundingRate: '-0.00002000', fundingTime: T0 - 8 * 3_600_000, markPrice: '59500.2' },
    ])
    binance.rest.setOpenInterestHist('BTCUSDT', '5m', [
      {
        sumOpenInterest: '81000.000',
        sumOpenInterestValue: '4860000000.00',
        timestamp: T0 - 300_000,
      },
      { sumOpenInterest: '81200.000', sumOpenInterestValue: '4872000000.00', timestamp: T0 },
    ])

    expect((await get(binance, '/fapi/v1/openInterest?symbol=BTCUSDT')).body).toEqual({
      openInterest: '81234.567',
      symbol: 'BTCUSDT',
      time: T0,
    })
    const one = await get(binance, '/fapi/v1/premiumIndex?symbol=BTCUSDT')
    expect(one.body).toMatchObject({
      symbol: 'BTCUSDT',
      markPrice: '60010.12000000',
      indexPrice: '60010.12000000',
      lastFundingRate: '0.00010000',
      nextFundingTime: T0 + 3_600_000,
    })
    const all = await get(binance, '/fapi/v1/premiumIndex')
    expect(all.body).toEqual([one.body])
    expect(Number(all.weight) - Number(one.weight)).toBe(10)

    const funding = await get(binance, '/fapi/v1/fundingRate?symbol=BTCUSDT&limit=1')
    expect(funding.body).toEqual([
      {
        symbol: 'BTCUSDT',
        fundingRate: '-0.00002000',
        fundingTime: T0 - 8 * 3_600_000,
        markPrice: '59500.2',
      },
    ])
    const hist = await get(
      binance,
      '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=30'
    )
    expect(hist.body).toEqual([
      {
        symbol: 'BTCUSDT',
        sumOpenInterest: '81000.000',
        sumOpenInterestValue: '4860000000.00',
        timestamp: T0 - 300_000,
      },
      {
        symbol: 'BTCUSDT',
        sumOpenInterest: '81200.000',
        sumOpenInterestValue: '4872000000.00',
        timestamp: T0,
      },
    ])
    expect(
      (await get(binance, '/futures/data/openInterestHist?symbol=BTCUSDT&period=7m')).status
    ).toBe(400)
  })

  test('every response carries the minute weight; over 2400 → 429 with Retry-After, repeated → 418', async () => {
    const binance = await start()
    for (let i = 0; i < 240; i++) {
      const ok = await get(binance, '/fapi/v1/premiumIndex')
      expect(ok.status).toBe(200)
      expect(ok.weight).toBe(String((i + 1) * 10))
    }
    clock += 15_000
    const limited = await get(binance, '/fapi/v1/openInterest?symbol=BTCUSDT')
    expect(limited).toMatchObject({
      status: 429,
      weight: '2401',
      retryAfter: '45',
      body: { code: -1003 },
    })

    for (let i = 0; i < 9; i++)
      expect((await get(binance, '/fapi/v1/exchangeInfo')).status).toBe(429)
    const banned = await get(binance, '/fapi/v1/exchangeInfo')
    expect(banned).toMatchObject({ status: 418, retryAfter: '120' })

    clock += 60_000
    expect((await get(binance, '/fapi/v1/exchangeInfo')).status).toBe(418)
    clock += 61_000
    expect(await get(binance, '/fapi/v1/exchangeInfo')).toMatchObject({ status: 200, weight: '1' })
  })

  test('failNext answers one request its way; delayNext holds one answer back', async () => {
    const binance = await start()
    binance.rest.failNext(
      '/fapi/v1/openInterest',
      503,
      { code: -1001, msg: 'Internal error.' },
      { 'Retry-After': '3' }
    )
    expect(await get(binance, '/fapi/v1/openInterest?symbol=BTCUSDT')).toMatchObject({
      status: 503,
      retryAfter: '3',
      body: { code: -1001 },
    })
    expect((await get(binance, '/fapi/v1/openInterest?symbol=BTCUSDT')).status).toBe(200)

    binance.rest.delayNext('/fapi/v1/exchangeInfo', 300)
    const started = Date.now()
    expect((await get(binance, '/fapi/v1/exchangeInfo')).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })

  test('unknown routes are 404 and every request is recorded in order', async () => {
    const binance = await start()
    expect(await get(binance, '/fapi/v9/nothing?x=1')).toMatchObject({
      status: 404,
      body: { code: -5000 },
    })
    await get(binance, '/fapi/v1/klines?symbol=ETHUSDT&interval=1h&limit=2')
    expect(binance.requests).toEqual([
      { method: 'GET', path: '/fapi/v9/nothing', query: { x: '1' } },
      {
        method: 'GET',
        path: '/fapi/v1/klines',
        query: { symbol: 'ETHUSDT', interval: '1h', limit: '2' },
      },
    ])
  })

  test('upsertKline replaces the open candle, appends the next and keeps maxRows', async () => {
    const binance = await start()
    const [first, second, third] = minuteRows(3) as [
      BinanceKlineRow,
      BinanceKlineRow,
      BinanceKlineRow,
    ]
    binance.rest.setKlines('SOLUSDT', '1m', [first, second])
    const updated: BinanceKlineRow = [...second]
    updated[4] = '105.0'
    binance.rest.upsertKline('SOLUSDT', '1m', updated, 2)
    binance.rest.upsertKline('SOLUSDT', '1m', third, 2)
    expect((await get(binance, '/fapi/v1/klines?symbol=SOLUSDT&interval=1m')).body).toEqual([
      updated,
      third,
    ])
    const info = (await get(binance, '/fapi/v1/exchangeInfo')).body as {
      symbols: { symbol: string }[]
    }
    expect(info.symbols.map((symbol) => symbol.symbol)).toContain('SOLUSDT')
  })
})
