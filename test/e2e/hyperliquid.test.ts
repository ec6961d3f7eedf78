import {
  adapterOf,
  closedAfter,
  invalidFrames,
  ingestorReconnects,
  getJson,
  listen,
  startVenueStack,
  subscribed,
  E2E_CONNECTION,
  pongDeadlinePassed,
} from './helpers.ts'
import { describe, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import { redisTest as test, metricValue, refusedUpgrade } from '@takashi/testing'
import {
  HYPERLIQUID_GREETING,
  hyperliquidEvents,
  startFakeHyperliquid,
} from '@takashi/fakes/hyperliquid'

const MINUTE = 60_000
const HOUR = 3_600_000
const SUBSCRIPTIONS = [
  'trades:BTC',
  'activeAssetCtx:BTC',
  'candle:BTC:1m',
  'trades:kPEPE',
  'activeAssetCtx:kPEPE',
  'candle:kPEPE:1m',
]
async function startStack(redis: Redis, keys: Keys, redisUrl: string) {
  const fake = closedAfter(await startFakeHyperliquid())
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  const history = (coin: string, base: number) =>
    Array.from({ length: 30 }, (_, i) =>
      hyperliquidEvents.candle({
        coin,
        interval: '1m',
        openTime: lastOpen - (30 - i) * MINUTE,
        o: `${base}`,
        h: `${base * 1.01}`,
        l: `${base * 0.99}`,
        c: `${base + i}.5`,
        v: '12.345',
        n: 300 + i,
      })
    )
  fake.rest.setCandles('BTC', '1m', history('BTC', 64000))
  fake.rest.setCandles('kPEPE', '1m', history('kPEPE', 0))
  // hourly settlements: the funding_interval poll reads the period from them
  fake.rest.setFundingHistory(
    'BTC',
    [3, 2, 1].map((hoursAgo) => ({
      fundingRate: '0.0000125',
      premium: '-0.0003',
      time: Date.now() - (Date.now() % HOUR) - hoursAgo * HOUR,
    }))
  )
  fake.rest.setAssetCtx(
    'BTC',
    hyperliquidEvents.assetCtx({
      funding: '0.0000125',
      openInterest: '27353.17682',
      markPx: '77562.0',
    })
  )
  fake.rest.setAssetCtx(
    'kPEPE',
    hyperliquidEvents.assetCtx({
      funding: '-0.00002',
      openInterest: '4351672913.0',
      markPx: '0.011399',
    })
  )

  const { gateway, ingestorRegistry } = await startVenueStack({
    redis,
    redisUrl,
    keys,
    adapter: adapterOf('hyperliquid'),
    urls: { ws: fake.wsUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT', '1000PEPEUSDT'],
    gatewaySymbols: ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'],
    // pings every 150 ms, so an unanswered one shows within a test
    timing: { heartbeatMs: 100, connection: E2E_CONNECTION },
  })
  for (const topic of SUBSCRIPTIONS) await fake.waitForSubscriber(topic)
  return { fake, lastOpen, ingestorRegistry, ...gateway }
}

describe('fake Hyperliquid → ingestor → Redis → aggregator → gateway', () => {
  test('trades, open interest, funding and candles reach WebSocket clients exactly normalized', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ws, ingestorRegistry } = await startStack(redis, keys, redisUrl)
    const trades = await listen(`${ws}/ws/hyperliquid/BTCUSDT/trades`)
    const pepe = await listen(`${ws}/ws/hyperliquid/kPEPE/trades`)
    const large = await listen(`${ws}/ws/hyperliquid/BTCUSDT/large-trades?min_value_usd=200000`)
    const openInterest = await listen(`${ws}/ws/hyperliquid/BTCUSDT/open-interest`)
    const funding = await listen(`${ws}/ws/hyperliquid/BTCUSDT/funding-rate`)
    const candles = await listen(`${ws}/ws/hyperliquid/BTCUSDT/ohlc?interval=1m`)
    await subscribed(redis, keys.liveChannel('trades', 'hyperliquid', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('trades', 'hyperliquid', '1000PEPEUSDT'))
    await subscribed(redis, keys.feedChannel('large-trades', 'hyperliquid', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('open-interest', 'hyperliquid', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('funding-rate', 'hyperliquid', 'BTCUSDT'))
    await subscribed(redis, keys.ohlcChannel('hyperliquid', 'BTCUSDT', '1m'))

    const t = Date.now()
    const trade = (side: 'B' | 'A', px: string, sz: string, tid: number, coin = 'BTC') =>
      hyperliquidEvents.trade({ coin, side, px, sz, time: t + (tid % 10), tid })
    fake.emit('trades:BTC', [
      trade('B', '64000.1', '0.25', 101),
      trade('A', '64000.0', '2.0', 102),
      trade('A', '64000.0', '4.0', 103),
    ])
    fake.emit('trades:BTC', [])
    fake.emit('trades:kPEPE', [trade('A', '0.011399', '52310.0', 104, 'kPEPE')])

    await expect.poll(() => trades.length).toBe(3)
    expect(trades[0]).toEqual({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      timestamp: t + 1,
      received_at: trades[0]?.received_at,
      id: 'hyperliquid:BTCUSDT:101',
      side: 'buy',
      price: 64000.1,
      quantity: 0.25,
      value_usd: 64000.1 * 0.25,
      trade_id: '101',
    })
    // "B" = the aggressor bought, "A" = the aggressor sold
    expect(trades.map((record) => record.side)).toEqual(['buy', 'sell', 'sell'])
    expect(trades[0]?.received_at).toBeGreaterThanOrEqual(t)

    // kPEPE is the 1000-unit contract: 1000PEPEUSDT, price and size as Hyperliquid quotes them
    await expect.poll(() => pepe.length).toBe(1)
    expect(pepe[0]).toMatchObject({
      symbol: '1000PEPEUSDT',
      side: 'sell',
      price: 0.011399,
      quantity: 52310,
      value_usd: 0.011399 * 52310,
      trade_id: '104',
    })

    await expect.poll(() => large.length).toBe(1)
    expect(large[0]).toMatchObject({ trade_id: '103', side: 'sell', value_usd: 256_000 })
    expect(large[0]?.id).toMatch(/^\d+-\d+$/)

    const ctx = hyperliquidEvents.assetCtx({
      funding: '0.0000125',
      openInterest: '27353.17682',
      markPx: '77562.0',
      oraclePx: '77605.0',
    })
    fake.emit('activeAssetCtx:BTC', hyperliquidEvents.activeAssetCtx('BTC', ctx))
    await expect.poll(() => openInterest.length).toBeGreaterThan(0)
    const oi = openInterest.at(-1)!
    // no time in the context: the receive time is the timestamp
    expect(oi).toEqual({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      timestamp: oi.received_at,
      received_at: oi.received_at,
      open_interest: 27353.17682,
      open_interest_usd: 27353.17682 * 77562,
    })
    await expect.poll(() => funding.length).toBeGreaterThan(0)
    const rate = funding.at(-1)!
    const receivedAt = rate.received_at as number
    expect(rate).toEqual({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      timestamp: receivedAt,
      received_at: receivedAt,
      funding_rate: 0.0000125,
      interval_hours: 1,
      next_funding_time: Math.floor(receivedAt / HOUR) * HOUR + HOUR,
      mark_price: 77562,
    })

    // Hyperliquid pushes the open candle; the next open time closes it. Times in the future keep
    // the first candle open whatever the clock says.
    const open = Date.now() - (Date.now() % MINUTE) + 10 * MINUTE
    const candle = (openTime: number, c: string, n: number) =>
      hyperliquidEvents.candle({
        coin: 'BTC',
        interval: '1m',
        openTime,
        o: '64000.0',
        h: '64010.0',
        l: '63990.0',
        c,
        v: '1.5',
        n,
      })
    fake.emit('candle:BTC:1m', candle(open, '64005.0', 12))
    fake.emit('candle:BTC:1m', candle(open + MINUTE, '64006.0', 1))
    const ours = () => candles.filter((record) => (record.timestamp as number) >= open)
    await expect.poll(() => ours().length).toBe(3)
    expect(ours().map((record) => [record.timestamp, record.closed, record.close])).toEqual([
      [open, false, 64005],
      [open, true, 64005],
      [open + MINUTE, false, 64006],
    ])
    expect(ours()[1]).toEqual({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      timestamp: open,
      received_at: ours()[1]?.received_at,
      interval: '1m',
      open: 64000,
      high: 64010,
      low: 63990,
      close: 64005,
      volume: 1.5,
      quote_volume: null,
      trades: 12,
      closed: true,
    })

    // the greeting on connect is not a bad frame; a malformed one is counted and not fatal
    const invalid = () => invalidFrames(ingestorRegistry)
    expect(await invalid()).toBe(0)
    fake.emitRaw('{"channel":"trades","data":[{"coin":"BTC","px":')
    await expect.poll(invalid).toBe(1)
    fake.emit('trades:BTC', [trade('B', '64001.0', '0.1', 105)])
    await expect.poll(() => trades.at(-1)?.trade_id).toBe('105')
    // pings were answered all along: no reconnect
    const reconnects = () => ingestorReconnects(ingestorRegistry)
    expect(await reconnects()).toBe(0)
    expect(fake.pingsReceived()).toBeGreaterThan(0)
  })

  test('REST: candles from the cache or a fetch job, OI × mark and hourly funding, kPEPE by either name', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, http, lastOpen, ingestorRegistry } = await startStack(redis, keys, redisUrl)

    // the start-up backfill (one candleSnapshot per series) makes the newest candles a cache hit
    const backfilled = () =>
      metricValue(ingestorRegistry, 'takashi_ingestor_backfills_total', { outcome: 'ok' })
    await expect.poll(backfilled).toBe(2)
    // counted by type: the ingestor's own polls may land in between
    const candleCalls = () => fake.requests.filter((r) => r.type === 'candleSnapshot').length
    const candlesBefore = candleCalls()
    const latest = await getJson<Record<string, unknown>[]>(
      `${http}/hyperliquid/ohlc/BTCUSDT/1m?limit=3`
    )
    expect(candleCalls()).toBe(candlesBefore)
    expect(latest.map((candle) => candle.timestamp)).toEqual([
      lastOpen - 3 * MINUTE,
      lastOpen - 2 * MINUTE,
      lastOpen - MINUTE,
    ])
    expect(latest[2]).toEqual({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      timestamp: lastOpen - MINUTE,
      received_at: latest[2]?.received_at,
      interval: '1m',
      open: 64000,
      high: 64640,
      low: 63360,
      close: 64029.5,
      volume: 12.345,
      quote_volume: null,
      trades: 329,
      closed: true,
    })

    // kPEPE and 1000PEPEUSDT name the same series
    const byCoin = await getJson<Record<string, unknown>[]>(
      `${http}/hyperliquid/ohlc/kPEPE/1m?limit=2`
    )
    const byName = await getJson<Record<string, unknown>[]>(
      `${http}/hyperliquid/ohlc/1000PEPEUSDT/1m?limit=2`
    )
    expect(byCoin).toEqual(byName)
    expect(candleCalls()).toBe(candlesBefore)
    expect(byCoin.map((candle) => [candle.symbol, candle.close])).toEqual([
      ['1000PEPEUSDT', 28.5],
      ['1000PEPEUSDT', 29.5],
    ])

    // a window before the cache goes to the venue through the ingestor: POST /info candleSnapshot
    const start = lastOpen - 40 * MINUTE
    const old = await getJson<Record<string, unknown>[]>(
      `${http}/hyperliquid/ohlc/BTCUSDT/1m?start_time=${start}&limit=2`
    )
    expect(old.map((candle) => [candle.timestamp, candle.close])).toEqual([
      [lastOpen - 30 * MINUTE, 64000.5],
      [lastOpen - 29 * MINUTE, 64001.5],
    ])
    expect(
      fake.requests.some(
        (request) =>
          request.method === 'POST' &&
          request.path === '/info' &&
          request.type === 'candleSnapshot' &&
          (request.body as { req: { coin: string; startTime: number } }).req.startTime === start
      )
    ).toBe(true)

    // nothing cached yet: metaAndAssetCtxs answers through a fetch job
    const oi = await getJson(`${http}/hyperliquid/open-interest/BTCUSDT`)
    expect(oi).toMatchObject({
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      open_interest: 27353.17682,
      open_interest_usd: 27353.17682 * 77562,
    })
    const rate = await getJson<Record<string, number>>(`${http}/hyperliquid/funding-rate/kPEPE`)
    expect(rate).toMatchObject({
      exchange: 'hyperliquid',
      symbol: '1000PEPEUSDT',
      funding_rate: -0.00002,
      interval_hours: 1,
      mark_price: 0.011399,
    })
    expect(rate.next_funding_time).toBe(Math.floor(rate.received_at! / HOUR) * HOUR + HOUR)
    // the funding period was read from each coin's last day of settlements
    const fundingCoins = () =>
      fake.requests
        .filter((request) => request.type === 'fundingHistory')
        .map((request) => (request.body as { coin: string }).coin)
        .sort()
    await expect.poll(fundingCoins).toEqual(['BTC', 'kPEPE'])
    expect(fake.requests.filter((request) => request.type === 'metaAndAssetCtxs')).toHaveLength(2)

    // the venue's 422 (text/plain) and 500 answers come back as upstream errors, not crashes
    fake.rest.failNext(
      'metaAndAssetCtxs',
      422,
      'Failed to deserialize the JSON body into the target type'
    )
    const refused = await fetch(`${http}/hyperliquid/open-interest/ETHUSDT`)
    expect(refused.status).toBe(502)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      '422'
    )
    fake.rest.failNext('candleSnapshot', 500)
    const failed = await fetch(
      `${http}/hyperliquid/ohlc/BTCUSDT/1m?start_time=${start - MINUTE}&limit=2`
    )
    expect(failed.status).toBe(502)

    // Hyperliquid has no 6h candles: 400 listing the ones it has
    const sixHours = await fetch(`${http}/hyperliquid/ohlc/BTCUSDT/6h`)
    expect(sixHours.status).toBe(400)
    const error = (await sixHours.json()) as { error: { message: string } }
    expect(error.error.message).toContain('interval')
    expect(error.error.message).toContain('1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 12h, 1d')
  })

  test('no liquidations: the stream is refused with 404 saying Hyperliquid publishes none', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { ws } = await startStack(redis, keys, redisUrl)
    const refused = await refusedUpgrade(`${ws}/ws/hyperliquid/BTCUSDT/liquidations`)
    expect(refused.status).toBe(404)
    expect(refused.body).toEqual({
      error: {
        code: expect.any(String) as unknown,
        message: expect.stringMatching(/hyperliquid publishes no liquidation/) as unknown,
      },
    })
  })

  test('a venue that stops answering pings, or drops the socket, is reconnected with every subscription', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ws, ingestorRegistry } = await startStack(redis, keys, redisUrl)
    const trades = await listen(`${ws}/ws/hyperliquid/BTCUSDT/trades`)
    await subscribed(redis, keys.liveChannel('trades', 'hyperliquid', 'BTCUSDT'))
    const reconnects = () => ingestorReconnects(ingestorRegistry)
    const invalid = () => invalidFrames(ingestorRegistry)
    expect(fake.connections()).toMatchObject([{ url: '/ws', subscriptions: SUBSCRIPTIONS }])

    // {"method":"ping"} goes unanswered: the missing {"channel":"pong"} replaces the socket
    fake.answerPings(false)
    await expect.poll(reconnects, { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
    fake.answerPings(true)
    await expect
      .poll(() => fake.connections(), { timeout: 5_000 })
      .toMatchObject([{ url: '/ws', subscriptions: SUBSCRIPTIONS }])
    await pongDeadlinePassed(fake)
    const afterPings = await reconnects()
    fake.emit('trades:BTC', [
      hyperliquidEvents.trade({
        coin: 'BTC',
        side: 'A',
        px: '64000',
        sz: '1',
        time: Date.now(),
        tid: 1,
      }),
    ])
    await expect.poll(() => trades.map((record) => record.trade_id)).toEqual(['1'])

    // a dropped socket comes back with the original subscriptions, and data flows again
    fake.dropConnections()
    await expect.poll(reconnects).toBe(afterPings + 1)
    for (const topic of SUBSCRIPTIONS) await fake.waitForSubscriber(topic)
    expect(fake.connections()).toMatchObject([{ url: '/ws', subscriptions: SUBSCRIPTIONS }])
    fake.emit('trades:BTC', [
      hyperliquidEvents.trade({
        coin: 'BTC',
        side: 'B',
        px: '64001',
        sz: '1',
        time: Date.now(),
        tid: 2,
      }),
    ])
    await expect.poll(() => trades.map((record) => record.side)).toEqual(['sell', 'buy'])
    // every new socket began with the greeting; none of them counted as a bad frame
    expect(await invalid()).toBe(0)
    expect(HYPERLIQUID_GREETING).toBe('Websocket connection established.')
  })
})
