import { describe, expect, test } from 'vitest'
import type { RestClient, RestRequest } from '../adapter.ts'
import { candles, fundingRate, loadMarkets, openInterest, openInterestHistory } from './calls.ts'
import { candlesRequest, parseCandles } from './rest.ts'
import { fixtureJson, RECEIVED_AT, testContext } from './test-fixtures.ts'

function answering(bodies: Record<string, unknown>) {
  const requests: RestRequest[] = []
  const client: RestClient = {
    request(request) {
      requests.push(request)
      const body = bodies[request.path]
      return body === undefined
        ? Promise.reject(new Error(`no fixture for ${request.path}`))
        : Promise.resolve(body)
    },
  }
  return { client, requests }
}

describe('OKX REST', () => {
  test('instruments: live linear USDT swaps with contract sizes; inverse swaps left out', async () => {
    for (const file of [
      'rest_public_instruments_SWAP_nautilus.json',
      'rest_public_instruments_SWAP_2022-05.json',
    ]) {
      const { client } = answering({ '/api/v5/public/instruments': fixtureJson(file) })
      const ctx = testContext([])
      const markets = await loadMarkets(client, ctx)
      expect(markets.symbols.has('BTCUSDT')).toBe(true)
      expect([...markets.symbols].some((symbol) => !symbol.endsWith('USDT'))).toBe(false)
      expect(ctx.market.contractSize.get('BTCUSDT')).toBe(0.01)
      expect(ctx.market.contractSize.get('ETHUSDT')).toBe(0.1)
    }
  })

  test('instruments: a live swap with no canonical name is reported apart', async () => {
    const body = fixtureJson('rest_public_instruments_SWAP_2022-05.json') as {
      data: Record<string, unknown>[]
    }
    const btc = body.data.find((item) => item.instId === 'BTC-USDT-SWAP')
    const { client } = answering({
      '/api/v5/public/instruments': {
        ...body,
        data: [...body.data, { ...btc, instId: '币安人生-USDT-SWAP' }],
      },
    })
    const markets = await loadMarkets(client, testContext([]))
    expect(markets.unrepresentable).toEqual(['币安人生-USDT-SWAP'])
    expect(markets.symbols.has('BTCUSDT')).toBe(true)
  })

  test('candles: newest-first rows oldest first, volume in base units', async () => {
    const { client, requests } = answering({
      '/api/v5/market/candles': fixtureJson('rest_market_candles_nautilus_2025-05.json'),
    })
    const rows = await candles(
      client,
      { symbol: 'BTCUSDT', interval: '1m', limit: 2 },
      testContext(['BTCUSDT'])
    )
    expect(rows.map((row) => [row.timestamp, row.volume, row.quote_volume, row.closed])).toEqual([
      [1747093980000, 71.6404, 7364701.57952, true],
      [1747094040000, 10.4037, 1069603.34883, true],
    ])
    expect(requests[0]?.query).toEqual({ instId: 'BTC-USDT-SWAP', bar: '1m', limit: 2 })
  })

  test('a start asks for the window after it; old windows go to history-candles; 6h is the UTC bar', () => {
    const now = 1_747_094_100_000
    const recent = candlesRequest(
      { symbol: 'BTCUSDT', interval: '1m', limit: 10, start_time: now - 600_000 },
      now
    )
    expect(recent).toMatchObject({
      path: '/api/v5/market/candles',
      query: { after: now, before: now - 600_001, limit: 10 },
    })
    const old = candlesRequest(
      { symbol: 'BTCUSDT', interval: '1m', limit: 500, start_time: now - 86_400_000 * 3 },
      now
    )
    expect(old).toMatchObject({ path: '/api/v5/market/history-candles', query: { limit: 100 } })
    expect(
      candlesRequest({ symbol: 'BTCUSDT', interval: '6h', limit: 1 }, now).query
    ).toMatchObject({ bar: '6Hutc' })
  })

  test('open interest and funding: base units, USD, the period from the two funding times', async () => {
    const { client } = answering({
      '/api/v5/public/open-interest': fixtureJson('rest_open_interest.json'),
      '/api/v5/public/funding-rate': fixtureJson('rest_funding_rate.json'),
      '/api/v5/public/mark-price': fixtureJson('rest_mark_price.json'),
    })
    const ctx = testContext(['BTCUSDT'])
    expect(await openInterest(client, 'BTCUSDT', ctx)).toEqual({
      exchange: 'okx',
      symbol: 'BTCUSDT',
      timestamp: 1747094100000,
      received_at: RECEIVED_AT,
      open_interest: 21254.191,
      open_interest_usd: 2185071372.38,
    })
    expect(await fundingRate(client, 'BTCUSDT', ctx)).toEqual({
      exchange: 'okx',
      symbol: 'BTCUSDT',
      timestamp: 1747094100000,
      received_at: RECEIVED_AT,
      funding_rate: 0.0000792386885504,
      interval_hours: 4,
      next_funding_time: 1747123200000,
      mark_price: 102815.3,
    })
  })

  test('open interest history oldest first in base units', async () => {
    const { client, requests } = answering({
      '/api/v5/rubik/stat/contracts/open-interest-history': fixtureJson(
        'rest_open_interest_history.json'
      ),
    })
    const history = await openInterestHistory(
      client,
      { symbol: 'BTCUSDT', timeframe: '1h', limit: 100 },
      testContext(['BTCUSDT'])
    )
    expect(history.map((row) => [row.timestamp, row.open_interest])).toEqual([
      [1747093800000, 21250],
      [1747094100000, 21254.191],
    ])
    expect(requests[0]?.query).toEqual({ instId: 'BTC-USDT-SWAP', period: '1H', limit: 100 })
  })

  test('code ≠ "0" is an error naming the path and the code', () => {
    expect(() =>
      parseCandles(
        fixtureJson('rest_error.json'),
        { symbol: 'BTCUSDT', interval: '1m' },
        testContext([])
      )
    ).toThrow('okx /api/v5/market/candles: code 51001: Instrument ID does not exist')
  })
})
