import { describe, expect, test } from 'vitest'
import {
  hyperliquidEvents,
  startFakeHyperliquid,
  type FakeHyperliquid,
  type HyperliquidCandleRow,
} from '../src/hyperliquid/index.ts'
import { venuePerTest } from './venue.ts'

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0)
let clock = T0
const startVenue = venuePerTest(startFakeHyperliquid)
function start() {
  clock = T0
  return startVenue({ now: () => clock, greeting: false })
}

async function info(hl: FakeHyperliquid, body: unknown, init: RequestInit = {}) {
  const response = await fetch(`${hl.restUrl}/info`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  })
  const text = await response.text()
  const type = response.headers.get('content-type') ?? ''
  return {
    status: response.status,
    type,
    body: type.startsWith('application/json') ? (JSON.parse(text) as unknown) : text,
  }
}

function minuteCandles(count: number): HyperliquidCandleRow[] {
  return Array.from({ length: count }, (_, index) =>
    hyperliquidEvents.candle({
      coin: 'BTC',
      interval: '1m',
      openTime: T0 - (count - index) * 60_000,
      o: '100.0',
      h: '101.0',
      l: '99.0',
      c: '100.5',
      v: '12.345',
      n: 7,
    })
  )
}

describe('fake Hyperliquid REST', () => {
  test('meta lists the universe; metaAndAssetCtxs pairs contexts by position; allMids', async () => {
    const hl = await start()
    const meta = await info(hl, { type: 'meta' })
    expect(meta.status).toBe(200)
    expect((meta.body as { universe: { name: string }[] }).universe.map((a) => a.name)).toEqual([
      'BTC',
      'ETH',
      'SOL',
      'kPEPE',
      'FTM',
    ])
    expect((meta.body as { universe: unknown[] }).universe).toContainEqual(
      expect.objectContaining({ name: 'FTM', isDelisted: true }) as unknown
    )
    const btc = hyperliquidEvents.assetCtx({
      funding: '0.0000125',
      openInterest: '27353.17682',
      markPx: '77562.0',
      midPx: '77558.5',
    })
    hl.rest.setAssetCtx('BTC', btc)
    hl.rest.setAssetCtx(
      'HYPE',
      hyperliquidEvents.assetCtx({ funding: '0', openInterest: '1', markPx: '30.1' })
    )
    const both = (await info(hl, { type: 'metaAndAssetCtxs' })).body as [
      { universe: { name: string }[] },
      Record<string, unknown>[],
    ]
    expect(both[0].universe.map((asset) => asset.name)).toEqual([
      'BTC',
      'ETH',
      'SOL',
      'kPEPE',
      'FTM',
      'HYPE',
    ])
    expect(both[1]).toHaveLength(6)
    expect(both[1][0]).toEqual(btc)
    expect(both[1][1]).toMatchObject({ markPx: '0.0', premium: null, midPx: null, impactPxs: null })
    expect(both[1][5]).toMatchObject({ markPx: '30.1' })
    expect((await info(hl, { type: 'allMids' })).body).toEqual({ BTC: '77558.5', HYPE: '30.1' })
  })

  test('candleSnapshot: ascending, startTime..endTime inclusive, endTime defaults to now', async () => {
    const hl = await start()
    const rows = minuteCandles(10)
    hl.rest.setCandles('BTC', '1m', [...rows].reverse())
    const ask = (req: Record<string, unknown>) => info(hl, { type: 'candleSnapshot', req })
    const window = await ask({
      coin: 'BTC',
      interval: '1m',
      startTime: rows[2]!.t,
      endTime: rows[4]!.t,
    })
    expect(window.body).toEqual(rows.slice(2, 5))
    expect((await ask({ coin: 'BTC', interval: '1m', startTime: 0 })).body).toEqual(rows)
    expect((await ask({ coin: 'ETH', interval: '1m', startTime: 0 })).body).toEqual([])

    hl.rest.upsertCandle('BTC', '1m', { ...rows[9]!, c: '101.0' })
    hl.rest.upsertCandle('BTC', '1m', { ...rows[9]!, t: T0, T: T0 + 59_999 }, 10)
    const updated = (await ask({ coin: 'BTC', interval: '1m', startTime: 0, endTime: T0 }))
      .body as HyperliquidCandleRow[]
    expect(updated).toHaveLength(10)
    expect(updated.at(-2)).toMatchObject({ t: rows[9]!.t, c: '101.0' })
    expect(updated.at(-1)?.t).toBe(T0)
  })

  test('only the newest 5000 candles are served', async () => {
    const hl = await start()
    hl.rest.setCandles('BTC', '1m', minuteCandles(5200))
    const body = (
      await info(hl, { type: 'candleSnapshot', req: { coin: 'BTC', interval: '1m', startTime: 0 } })
    ).body as HyperliquidCandleRow[]
    expect(body).toHaveLength(5000)
    expect(body[0]?.t).toBe(T0 - 5000 * 60_000)
  })

  test('fundingHistory: coin, startTime, optional endTime; rows carry the coin', async () => {
    const hl = await start()
    const rows = [0, 1, 2].map((hour) => ({
      fundingRate: '0.0000125',
      premium: '-0.0002',
      time: T0 - (3 - hour) * 3_600_000,
    }))
    hl.rest.setFundingHistory('BTC', rows)
    const all = await info(hl, { type: 'fundingHistory', coin: 'BTC', startTime: 0 })
    expect(all.body).toEqual(rows.map((row) => ({ coin: 'BTC', ...row })))
    const some = await info(hl, {
      type: 'fundingHistory',
      coin: 'BTC',
      startTime: rows[1]!.time,
      endTime: rows[1]!.time,
    })
    expect(some.body).toEqual([{ coin: 'BTC', ...rows[1] }])
  })

  test('POST /info only; bodies it cannot read are 4xx text like the venue', async () => {
    const hl = await start()
    expect((await fetch(`${hl.restUrl}/info`)).status).toBe(405)
    expect((await fetch(`${hl.restUrl}/exchange`, { method: 'POST' })).status).toBe(404)
    expect(
      (await info(hl, { type: 'meta' }, { headers: { 'Content-Type': 'text/plain' } })).status
    ).toBe(415)
    expect((await info(hl, '{nope')).status).toBe(400)
    for (const body of [
      { type: 'recentLiquidations' },
      { type: 'candleSnapshot' },
      { type: 'candleSnapshot', req: { coin: 'BTC', interval: '6h', startTime: 0 } },
      { type: 'fundingHistory', coin: 'BTC' },
      [1, 2],
    ]) {
      const answer = await info(hl, body)
      expect(answer.status, JSON.stringify(body)).toBe(422)
      expect(answer.type).toMatch(/^text\/plain/)
      expect(answer.body).toMatch(/^Failed to deserialize the JSON body into the target type/)
    }
    expect(hl.requests[0]).toEqual({ method: 'GET', path: '/info', body: undefined })
    expect(hl.requests.at(-2)).toEqual({
      method: 'POST',
      path: '/info',
      body: { type: 'fundingHistory', coin: 'BTC' },
      type: 'fundingHistory',
    })
  })

  test('weight: 20 per info request, 2 for allMids; over 1200 a minute is 429', async () => {
    const hl = await start()
    for (let i = 0; i < 59; i++) expect((await info(hl, { type: 'meta' })).status).toBe(200)
    for (let i = 0; i < 10; i++) expect((await info(hl, { type: 'allMids' })).status).toBe(200)
    expect((await info(hl, { type: 'meta' })).status).toBe(429)
    clock += 60_000
    expect((await info(hl, { type: 'meta' })).status).toBe(200)
  })

  test('failNext by info type or for any request; delayNext holds the answer', async () => {
    const hl = await start()
    hl.rest.failNext('candleSnapshot', 500)
    hl.rest.failNext('/info', 422, 'Failed to deserialize the JSON body into the target type')
    const first = await info(hl, { type: 'meta' })
    expect(first).toMatchObject({
      status: 422,
      type: expect.stringMatching(/^text\/plain/) as unknown,
    })
    expect((await info(hl, { type: 'meta' })).status).toBe(200)
    const req = { coin: 'BTC', interval: '1m', startTime: 0 }
    expect((await info(hl, { type: 'candleSnapshot', req })).status).toBe(500)
    expect((await info(hl, { type: 'candleSnapshot', req })).status).toBe(200)

    hl.rest.delayNext('meta', 150)
    const began = performance.now()
    expect((await info(hl, { type: 'meta' })).status).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(140)
  })
})
