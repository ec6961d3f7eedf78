import { describe, expect, test } from 'vitest'
import { FundingRate, Ohlc, OpenInterest } from '@takashi/schemas'
import type { RestClient, RestRequest } from '../adapter.ts'
import { HyperliquidResponseError } from './errors.ts'
import { hyperliquid } from './index.ts'
import {
  candleSnapshotRequest,
  candleSnapshotWeight,
  fundingHistoryRequest,
  metaAndAssetCtxsRequest,
  metaRequest,
  parseCandleSnapshot,
  parseFundingHistory,
  parseMeta,
  parseAllAssetCtxs,
  parseMetaAndAssetCtxs,
  toFundingRate,
  toOpenInterest,
} from './rest.ts'
import { fixtureJson, RECEIVED_AT, testContext } from './test-fixtures.ts'

const HOUR = 3_600_000

/** A fake venue at the client seam: answers each info type with a recorded body, logs requests. */
function fixtureVenue(bodies: Record<string, unknown>) {
  const requests: RestRequest[] = []
  const client: RestClient = {
    request(request) {
      requests.push(request)
      const type = (request.body as { type?: string } | undefined)?.type ?? ''
      const body = request.method === 'POST' && request.path === '/info' ? bodies[type] : undefined
      if (body === undefined) return Promise.reject(new Error(`no body for ${type}`))
      return Promise.resolve(body)
    },
  }
  return { client, requests }
}

describe('request builders', () => {
  test('every request is POST /info with a JSON body naming its type; weights per the docs', () => {
    expect(metaRequest()).toEqual({
      method: 'POST',
      path: '/info',
      body: { type: 'meta' },
      weight: 20,
    })
    expect(metaAndAssetCtxsRequest()).toEqual({
      method: 'POST',
      path: '/info',
      body: { type: 'metaAndAssetCtxs' },
      weight: 20,
    })
    expect(fundingHistoryRequest({ symbol: 'BTCUSDT', startTime: 1681923833000 })).toEqual({
      method: 'POST',
      path: '/info',
      body: { type: 'fundingHistory', coin: 'BTC', startTime: 1681923833000 },
      weight: 20,
    })
  })

  test('candleSnapshot: from start_time to end_time or now, or the newest candles up to now', () => {
    expect(
      candleSnapshotRequest(
        {
          symbol: '1000PEPEUSDT',
          interval: '1h',
          limit: 24,
          start_time: 1684699200000,
          end_time: 1684784807000,
        },
        RECEIVED_AT
      )
    ).toEqual({
      method: 'POST',
      path: '/info',
      body: {
        type: 'candleSnapshot',
        req: { coin: 'kPEPE', interval: '1h', startTime: 1684699200000, endTime: 1684784807000 },
      },
      // the window holds 24 hourly candles
      weight: 21,
    })
    // from start_time the window runs to now; years of minutes weigh as the 5000 served
    const open = candleSnapshotRequest(
      { symbol: 'BTCUSDT', interval: '1m', limit: 2, start_time: 1684699200000 },
      RECEIVED_AT
    )
    expect(open.body).toMatchObject({ req: { startTime: 1684699200000, endTime: RECEIVED_AT } })
    expect(open.weight).toBe(20 + 84)
    // 1_700_000_000_000 falls in the 22:00 hour: the newest 3 hours open at 20:00, 21:00, 22:00
    const newest = candleSnapshotRequest(
      { symbol: 'BTCUSDT', interval: '1h', limit: 3 },
      RECEIVED_AT
    )
    expect(newest).toMatchObject({
      body: {
        type: 'candleSnapshot',
        req: { coin: 'BTC', interval: '1h', startTime: 1_699_992_000_000, endTime: RECEIVED_AT },
      },
      weight: 21,
    })
  })

  test.each([
    [1, 21],
    [60, 21],
    [61, 22],
    [1000, 37],
  ])('candleSnapshot of %i candles weighs %i', (limit, weight) => {
    expect(candleSnapshotWeight(limit)).toBe(weight)
  })

  test('symbols with no Hyperliquid coin are refused before any request', () => {
    expect(() =>
      candleSnapshotRequest({ symbol: 'BTCUSDC', interval: '1m', limit: 1 }, RECEIVED_AT)
    ).toThrow(/not a Hyperliquid perpetual/)
  })
})

describe('meta', () => {
  test('real 2023 body: every perpetual, kPEPE as 1000PEPEUSDT; budget 600 of 1200 a minute', () => {
    const info = parseMeta(fixtureJson('rest_info_meta_2023-07.json'))
    expect(info.restWeightPerMinute).toBe(600)
    expect(info.symbols.size).toBe(28)
    expect(info.symbols.has('BTCUSDT')).toBe(true)
    expect(info.symbols.has('1000PEPEUSDT')).toBe(true)
    expect(info.symbols.has('KPEPEUSDT')).toBe(false)
    for (const symbol of info.symbols) expect(symbol).toMatch(/^[A-Z0-9]+USDT$/)
  })

  test('a live coin without a canonical name is reported as unrepresentable', () => {
    const meta = {
      universe: [
        { name: 'BTC', szDecimals: 5, maxLeverage: 40 },
        { name: '1000BONK', szDecimals: 0, maxLeverage: 3 },
      ],
    }
    const info = parseMeta(meta)
    expect([...info.symbols]).toEqual(['BTCUSDT'])
    expect(info.unrepresentable).toEqual(['1000BONK'])
  })

  test('delisted perpetuals are left out; a body without universe is unexpected', () => {
    const [meta] = fixtureJson('rest_info_metaAndAssetCtxs.json') as [unknown]
    expect([...parseMeta(meta).symbols]).toEqual(['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'])
    expect(() => parseMeta({ assets: [] })).toThrow(HyperliquidResponseError)
  })
})

describe('metaAndAssetCtxs', () => {
  const body = fixtureJson('rest_info_metaAndAssetCtxs.json')

  test('contexts pair with universe names by position', () => {
    const ctxs = parseMetaAndAssetCtxs(body)
    expect([...ctxs.keys()]).toEqual(['BTC', 'ETH', 'kPEPE', 'FTM'])
    const ctx = testContext([])
    expect(toOpenInterest(ctxs.get('BTC')!, 'BTCUSDT', ctx)).toEqual({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      timestamp: RECEIVED_AT,
      received_at: RECEIVED_AT,
      open_interest: 27353.17682,
      open_interest_usd: 27353.17682 * 77562,
    })
    expect(toFundingRate(ctxs.get('kPEPE')!, '1000PEPEUSDT', ctx)).toEqual({
      exchange: 'hyperliquid',
      symbol: '1000PEPEUSDT',
      timestamp: RECEIVED_AT,
      received_at: RECEIVED_AT,
      funding_rate: 0.0000125,
      interval_hours: 1,
      next_funding_time: 1_700_002_800_000,
      mark_price: 0.011399,
    })
    expect(() => OpenInterest.parse(toOpenInterest(ctxs.get('FTM')!, 'FTMUSDT', ctx))).not.toThrow()
  })

  test('the whole market from one body: OI and funding of every served coin', () => {
    const ctx = testContext(['BTCUSDT', '1000PEPEUSDT'])
    const records = parseAllAssetCtxs(body, ctx)
    expect(records.map(({ kind, record }) => `${kind}:${record.symbol}`)).toEqual([
      'open_interest:BTCUSDT',
      'funding_rate:BTCUSDT',
      'open_interest:1000PEPEUSDT',
      'funding_rate:1000PEPEUSDT',
    ])
    expect(records[0]?.record).toMatchObject({ open_interest: 27353.17682 })
    expect(parseAllAssetCtxs(body, testContext([]))).toEqual([])
  })

  test('the bulk poll runs only when contexts cannot all stream', () => {
    const few = hyperliquid.polls(['BTCUSDT']).map((poll) => poll.name)
    const many = Array.from({ length: 451 }, (_, i) => `C${i}USDT`)
    expect(few).toEqual(['funding_interval'])
    expect(hyperliquid.polls(many).map((poll) => poll.name)).toContain('asset_ctxs')
  })

  test('mismatched lengths and wrong shapes are unexpected responses', () => {
    const [meta, ctxs] = body as [unknown, unknown[]]
    expect(() => parseMetaAndAssetCtxs([meta, ctxs.slice(1)])).toThrow(/4 assets but 3 contexts/)
    expect(() => parseMetaAndAssetCtxs(meta)).toThrow(HyperliquidResponseError)
  })
})

describe('candleSnapshot', () => {
  const body = fixtureJson('rest_info_candleSnapshot_kPEPE_1h_2023-05.json')
  const request = { symbol: '1000PEPEUSDT', interval: '1h', limit: 100 } as const
  // the request's endTime: the newest candle (opened 1684782000000) was still open
  const ctx = { receivedAt: 1684784807000 }

  test('real 2023 kPEPE body → 1000PEPEUSDT candles, per-1000 prices, no quote volume', () => {
    const candles = parseCandleSnapshot(body, request, ctx)
    expect(candles).toHaveLength(24)
    expect(candles[0]).toEqual({
      exchange: 'hyperliquid',
      symbol: '1000PEPEUSDT',
      timestamp: 1684699200000,
      received_at: 1684784807000,
      interval: '1h',
      open: 0.001601,
      high: 0.001616,
      low: 0.001601,
      close: 0.001604,
      volume: 520665683,
      quote_volume: null,
      trades: 709,
      closed: true,
    })
    expect(candles.at(-1)).toMatchObject({
      timestamp: 1684782000000,
      close: 0.00154,
      volume: 308219489,
      trades: 430,
      closed: false,
    })
    candles.slice(1).forEach((candle, index) => {
      expect(candle.timestamp - candles[index]!.timestamp).toBe(HOUR)
    })
    for (const candle of candles) expect(() => Ohlc.parse(candle)).not.toThrow()
    expect(candles).toMatchSnapshot()
  })

  test('limit keeps the newest, or the first from start_time; any order comes back ascending', () => {
    const reversed = [...(body as unknown[])].reverse()
    const newest = parseCandleSnapshot(reversed, { ...request, limit: 2 }, ctx)
    expect(newest.map((candle) => candle.timestamp)).toEqual([1684778400000, 1684782000000])
    const fromStart = parseCandleSnapshot(
      reversed,
      { ...request, limit: 2, start_time: 1684699200000 },
      ctx
    )
    expect(fromStart.map((candle) => candle.timestamp)).toEqual([1684699200000, 1684702800000])
  })

  test('rows for another coin or interval are dropped; bad rows are unexpected', () => {
    expect(parseCandleSnapshot(body, { ...request, symbol: 'BTCUSDT' }, ctx)).toEqual([])
    expect(parseCandleSnapshot(body, { ...request, interval: '1m' }, ctx)).toEqual([])
    expect(() => parseCandleSnapshot([{ t: 1 }], request, ctx)).toThrow(HyperliquidResponseError)
    expect(() => parseCandleSnapshot(null, request, ctx)).toThrow(/candleSnapshot/)
  })
})

describe('fundingHistory', () => {
  test('real 2023 BTC body, oldest first (8-hourly back then)', () => {
    const history = parseFundingHistory(fixtureJson('rest_info_fundingHistory_BTC_2023-05.json'))
    expect(history).toHaveLength(34)
    expect(history[0]).toEqual({ time: 1683849600048, rate: -0.00061334 })
    expect(history.at(-1)).toEqual({ time: 1684800000022, rate: -0.00018991 })
    expect(Math.round((history[1]!.time - history[0]!.time) / HOUR)).toBe(8)
    expect(() => parseFundingHistory([{ coin: 'BTC' }])).toThrow(HyperliquidResponseError)
  })
})

describe('REST calls through the client', () => {
  const bodies = {
    meta: fixtureJson('rest_info_meta_2023-07.json'),
    metaAndAssetCtxs: fixtureJson('rest_info_metaAndAssetCtxs.json'),
    candleSnapshot: fixtureJson('rest_info_candleSnapshot_kPEPE_1h_2023-05.json'),
  }

  test('loadMarkets and candles', async () => {
    const venue = fixtureVenue(bodies)
    const ctx = testContext(['1000PEPEUSDT'], 1684784807000)
    const info = await hyperliquid.rest.loadMarkets(venue.client, ctx)
    expect(info.restWeightPerMinute).toBe(600)
    const candles = await hyperliquid.rest.candles(
      venue.client,
      { symbol: '1000PEPEUSDT', interval: '1h', limit: 2, start_time: 1684702800000 },
      ctx
    )
    expect(candles.map((candle) => [candle.timestamp, candle.close])).toEqual([
      [1684702800000, 0.001591],
      [1684706400000, 0.001605],
    ])
    expect(venue.requests[1]).toEqual({
      method: 'POST',
      path: '/info',
      body: {
        type: 'candleSnapshot',
        req: { coin: 'kPEPE', interval: '1h', startTime: 1684702800000, endTime: 1684784807000 },
      },
      weight: 21,
    })
  })

  test('openInterest and fundingRate read metaAndAssetCtxs and remember the mark price', async () => {
    const venue = fixtureVenue(bodies)
    const ctx = testContext(['BTCUSDT', 'ETHUSDT'])
    const oi = await hyperliquid.rest.openInterest(venue.client, 'BTCUSDT', ctx)
    expect(oi).toMatchObject({ open_interest: 27353.17682, open_interest_usd: 27353.17682 * 77562 })
    expect(ctx.market.markPrice.get('BTCUSDT')).toBe(77562)
    const funding = await hyperliquid.rest.fundingRate(venue.client, 'ETHUSDT', ctx)
    expect(funding).toMatchObject({
      funding_rate: 0.0000125,
      interval_hours: 1,
      mark_price: 2123.7,
    })
    expect(() => FundingRate.parse(funding)).not.toThrow()
    expect(venue.requests.map((request) => request.body)).toEqual([
      { type: 'metaAndAssetCtxs' },
      { type: 'metaAndAssetCtxs' },
    ])
    await expect(hyperliquid.rest.openInterest(venue.client, 'SOLUSDT', ctx)).rejects.toThrow(
      /no context for SOLUSDT/
    )
  })

  test('one poll: the funding period from the last day of settlements', async () => {
    const hourly = [3, 2, 1].map((hoursAgo) => ({
      coin: 'BTC',
      fundingRate: '0.0000125',
      premium: '-0.0003',
      time: RECEIVED_AT - (RECEIVED_AT % HOUR) - hoursAgo * HOUR,
    }))
    const venue = fixtureVenue({ fundingHistory: hourly })
    const polls = hyperliquid.polls(['BTCUSDT'])
    expect(polls.map((poll) => [poll.name, poll.everyMs])).toEqual([
      ['funding_interval', 30 * 60_000],
    ])
    const ctx = testContext(['BTCUSDT'])
    expect(await polls[0]!.run(venue.client, ctx)).toEqual([])
    expect(ctx.market.fundingIntervalHours.get('BTCUSDT')).toBe(1)
    expect(venue.requests).toEqual([
      {
        method: 'POST',
        path: '/info',
        body: { type: 'fundingHistory', coin: 'BTC', startTime: RECEIVED_AT - 24 * HOUR },
        weight: 20,
      },
    ])
  })

  test('a funding period the settlements show is the one records report', async () => {
    // 8-hourly, as Hyperliquid settled in 2023 (the recorded fundingHistory body)
    const venue = fixtureVenue({
      fundingHistory: fixtureJson('rest_info_fundingHistory_BTC_2023-05.json'),
      metaAndAssetCtxs: bodies.metaAndAssetCtxs,
    })
    const ctx = testContext(['BTCUSDT'], 1_684_800_000_022)
    await hyperliquid.polls(['BTCUSDT'])[0]!.run(venue.client, ctx)
    expect(ctx.market.fundingIntervalHours.get('BTCUSDT')).toBe(8)
    expect(await hyperliquid.rest.fundingRate(venue.client, 'BTCUSDT', ctx)).toMatchObject({
      interval_hours: 8,
      // the next 8-hour boundary after 2023-05-23 00:00:00.022 UTC
      next_funding_time: 1_684_828_800_000,
    })
  })
})
