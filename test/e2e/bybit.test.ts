import {
  adapterOf,
  closedAfter,
  invalidFrames,
  ingestorReconnects,
  listen,
  startVenueStack,
  subscribed,
  E2E_CONNECTION,
  pongDeadlinePassed,
} from './helpers.ts'
import { describe, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import { redisTest as test } from '@takashi/testing'
import { createClient } from '@takashi/client'
import {
  bybitEvents,
  bybitKlineRow,
  bybitTopic,
  startFakeBybit,
  type BybitInstrument,
} from '@takashi/fakes/bybit'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const TOPICS = [
  'tickers.BTCUSDT',
  'publicTrade.BTCUSDT',
  'allLiquidation.BTCUSDT',
  'kline.1.BTCUSDT',
]

async function startStack(
  redis: Redis,
  keys: Keys,
  redisUrl: string,
  instruments: BybitInstrument[] = [{ symbol: 'BTCUSDT', fundingInterval: 240 }]
) {
  const fake = closedAfter(await startFakeBybit())
  fake.rest.setInstruments(instruments)
  // settled hourly; only read for an instrument that gives no period
  fake.rest.setFundingHistory(
    'BTCUSDT',
    [3, 2, 1].map((hoursAgo) => ({
      fundingRate: '0.00005',
      fundingRateTimestamp: Date.now() - (Date.now() % HOUR) - hoursAgo * HOUR,
    }))
  )
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  fake.rest.setKlines(
    'BTCUSDT',
    '1m',
    Array.from({ length: 30 }, (_, i) =>
      bybitKlineRow({
        interval: '1m',
        start: lastOpen - (29 - i) * MINUTE,
        open: '64000',
        high: '64100',
        low: '63900',
        close: `${64000 + i}.5`,
        volume: '12.345',
        turnover: '790000.12',
      })
    )
  )
  fake.rest.setTicker('BTCUSDT', {
    markPrice: '64010.5',
    openInterest: '100000.5',
    openInterestValue: '6401370000',
    singleOpenInterest: '50000.25',
    singleOpenInterestValue: '3200685000',
    fundingRate: '0.0001',
    nextFundingTime: 1_900_000_000_000,
  })

  const { gateway, ingestorRegistry } = await startVenueStack({
    redis,
    redisUrl,
    keys,
    adapter: adapterOf('bybit'),
    urls: { ws: fake.wsUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT'],
    gatewaySymbols: ['BTCUSDT', 'ETHUSDT'],
    timing: {
      heartbeatMs: 100,
      // the cache holds the newest 10 candles; older ones are a fetch job
      backfillLimit: 10,
      // pings every 150 ms, so an unanswered one shows within a test
      connection: E2E_CONNECTION,
    },
  })
  for (const topic of TOPICS) await fake.waitForSubscriber(topic)
  return { fake, lastOpen, ingestorRegistry, ...gateway }
}

describe('fake Bybit → ingestor → Redis → aggregator → gateway', () => {
  test('trades, liquidations (position side), merged tickers and klines reach clients exactly', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ws, http, ingestorRegistry } = await startStack(redis, keys, redisUrl)
    const trades = await listen(`${ws}/ws/bybit/BTCUSDT/trades`)
    const liquidations = await listen(`${ws}/ws/liquidations?exchanges=bybit`)
    const large = await listen(`${ws}/ws/bybit/BTCUSDT/large-trades?min_value_usd=200000`)
    const openInterest = await listen(`${ws}/ws/bybit/BTCUSDT/open-interest`)
    const funding = await listen(`${ws}/ws/bybit/BTCUSDT/funding-rate`)
    const candles = await listen(`${ws}/ws/bybit/BTCUSDT/ohlc?interval=1m`)
    await subscribed(redis, keys.liveChannel('trades', 'bybit', 'BTCUSDT'))
    await subscribed(redis, keys.feedChannel('liquidations', 'bybit', 'BTCUSDT'))
    await subscribed(redis, keys.feedChannel('large-trades', 'bybit', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('open-interest', 'bybit', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('funding-rate', 'bybit', 'BTCUSDT'))
    await subscribed(redis, keys.ohlcChannel('bybit', 'BTCUSDT', '1m'))

    const t = Date.now()
    const trade = (side: 'Buy' | 'Sell', price: string, size: string, id: string) =>
      bybitEvents.trade({ symbol: 'BTCUSDT', side, price, size, time: t, id })
    fake.emit(bybitTopic.trades('BTCUSDT'), [
      trade('Buy', '64000.1', '0.25', 'a-1'),
      trade('Sell', '64000.0', '4.0', 'a-2'),
    ])
    await expect.poll(() => trades.length).toBe(2)
    expect(trades[0]).toEqual({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      timestamp: t,
      received_at: trades[0]?.received_at,
      id: 'bybit:BTCUSDT:a-1',
      side: 'buy',
      price: 64000.1,
      quantity: 0.25,
      value_usd: 64000.1 * 0.25,
      trade_id: 'a-1',
    })
    expect(trades[1]).toMatchObject({ side: 'sell', trade_id: 'a-2' })
    await expect.poll(() => large.length).toBe(1)
    expect(large[0]).toMatchObject({ trade_id: 'a-2', value_usd: 256_000 })

    // allLiquidation's S is the POSITION side: Buy = a long was liquidated
    fake.emit(bybitTopic.liquidations('BTCUSDT'), [
      bybitEvents.liquidation({
        symbol: 'BTCUSDT',
        side: 'Buy',
        size: '1.5',
        price: '63000',
        time: t,
      }),
      bybitEvents.liquidation({
        symbol: 'BTCUSDT',
        side: 'Sell',
        size: '0.2',
        price: '65000',
        time: t + 1,
      }),
    ])
    await expect.poll(() => liquidations.length).toBe(2)
    expect(liquidations[0]).toEqual({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      timestamp: t,
      received_at: liquidations[0]?.received_at,
      id: liquidations[0]?.id,
      side: 'long',
      price: 63000,
      quantity: 1.5,
      value_usd: 94_500,
    })
    expect(liquidations[1]).toMatchObject({ side: 'short', value_usd: 13_000 })
    expect(liquidations[0]?.id).toMatch(/^\d+-\d+$/)
    const listed = await createClient({ baseUrl: http }).liquidations({ exchange: 'bybit' })
    expect(listed).toEqual([liquidations[1], liquidations[0]])

    // the subscribe snapshot gave OI (one side) and funding with the instrument's 4 h period
    await expect.poll(() => openInterest.length).toBeGreaterThan(0)
    expect(openInterest.at(-1)).toMatchObject({
      exchange: 'bybit',
      open_interest: 50000.25,
      open_interest_usd: 3200685000,
    })
    await expect.poll(() => funding.length).toBeGreaterThan(0)
    expect(funding.at(-1)).toMatchObject({
      funding_rate: 0.0001,
      interval_hours: 4,
      next_funding_time: 1_900_000_000_000,
      mark_price: 64010.5,
    })
    // a delta with only the funding rate: merged, so OI and mark stay as they were. Like Bybit,
    // the venue repeats it every 100 ms; the ingestor publishes at most once a second.
    await expect
      .poll(
        () => {
          fake.emit(
            bybitTopic.tickers('BTCUSDT'),
            bybitEvents.ticker('BTCUSDT', { fundingRate: '-0.00025' }),
            'delta'
          )
          return funding.at(-1)?.funding_rate
        },
        { interval: 100, timeout: 10_000 }
      )
      .toBe(-0.00025)
    expect(funding.at(-1)).toMatchObject({
      interval_hours: 4,
      next_funding_time: 1_900_000_000_000,
      mark_price: 64010.5,
    })

    // klines: open, then confirmed
    const open = Date.now() - (Date.now() % MINUTE) + 10 * MINUTE
    const kline = (close: string, confirm: boolean) =>
      bybitEvents.kline({
        interval: '1m',
        start: open,
        open: '64000',
        high: '64010',
        low: '63990',
        close,
        volume: '1.5',
        turnover: '96007.5',
        confirm,
      })
    fake.emit(bybitTopic.kline('1m', 'BTCUSDT'), [kline('64005', false)])
    fake.emit(bybitTopic.kline('1m', 'BTCUSDT'), [kline('64006', true)])
    const ours = () => candles.filter((record) => record.timestamp === open)
    await expect
      .poll(() => ours().map((record) => [record.closed, record.close]))
      .toEqual([
        [false, 64005],
        [true, 64006],
      ])
    expect(ours()[1]).toMatchObject({ volume: 1.5, quote_volume: 96007.5, trades: null })

    // a malformed frame is counted and dropped; the socket carries on
    const invalid = () => invalidFrames(ingestorRegistry)
    expect(await invalid()).toBe(0)
    fake.emitRaw('{"topic":"publicTrade.BTCUSDT","data":[{"T":')
    await expect.poll(invalid).toBe(1)
    fake.emit(bybitTopic.trades('BTCUSDT'), [trade('Buy', '64001', '0.1', 'a-3')])
    await expect.poll(() => trades.at(-1)?.trade_id).toBe('a-3')
  })

  test('REST: candles from the cache or a fetch job, OI and funding from tickers', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, http, lastOpen } = await startStack(redis, keys, redisUrl)
    const client = createClient({ baseUrl: http })
    const btc = { exchange: 'bybit', symbol: 'BTCUSDT' } as const
    await expect
      .poll(async () => (await client.ohlc({ ...btc, interval: '1m', limit: 3 })).length)
      .toBe(3)
    const latest = await client.ohlc({ ...btc, interval: '1m', limit: 3 })
    expect(latest.map((candle) => candle.timestamp)).toEqual([
      lastOpen - 2 * MINUTE,
      lastOpen - MINUTE,
      lastOpen,
    ])
    expect(latest[0]).toMatchObject({ close: 64027.5, volume: 12.345, quote_volume: 790000.12 })

    // older than the cache: a fetch job asks Bybit, with start and end
    const before = fake.requests.filter((r) => r.path === '/v5/market/kline').length
    const start = lastOpen - 29 * MINUTE
    const old = await client.ohlc({
      ...btc,
      interval: '1m',
      start_time: start,
      end_time: start + MINUTE,
    })
    expect(old.map((candle) => candle.timestamp)).toEqual([start, start + MINUTE])
    expect(fake.requests.filter((r) => r.path === '/v5/market/kline').length).toBeGreaterThan(
      before
    )

    const oi = await client.openInterest(btc)
    expect(oi).toMatchObject({ exchange: 'bybit', open_interest: 50000.25 })
    const fundingRate = await client.fundingRate(btc)
    expect(fundingRate).toMatchObject({ funding_rate: 0.0001, interval_hours: 4 })
    expect(fake.requests.some((r) => r.path === '/v5/market/funding/history')).toBe(false)
  })

  test('an instrument without a funding period takes it from the funding history', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ws, http } = await startStack(redis, keys, redisUrl, [
      { symbol: 'BTCUSDT', fundingInterval: null },
    ])
    await expect
      .poll(() => fake.requests.filter((r) => r.path === '/v5/market/funding/history'))
      .toEqual([
        {
          method: 'GET',
          path: '/v5/market/funding/history',
          query: { category: 'linear', symbol: 'BTCUSDT', limit: '3' },
        },
      ])
    const funding = await listen(`${ws}/ws/bybit/BTCUSDT/funding-rate`)
    await subscribed(redis, keys.liveChannel('funding-rate', 'bybit', 'BTCUSDT'))
    // the next funding change is published with the hourly period the settlements show
    // (repeated every 100 ms like Bybit's pushes, until the once-a-second publish lets it out)
    await expect
      .poll(
        () => {
          fake.emit(
            bybitTopic.tickers('BTCUSDT'),
            bybitEvents.ticker('BTCUSDT', { fundingRate: '0.00002' }),
            'delta'
          )
          return funding.at(-1)?.funding_rate
        },
        { interval: 100, timeout: 10_000 }
      )
      .toBe(0.00002)
    expect(funding.at(-1)).toMatchObject({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      interval_hours: 1,
      next_funding_time: 1_900_000_000_000,
      mark_price: 64010.5,
    })
    const rest = await createClient({ baseUrl: http }).fundingRate({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
    })
    expect(rest).toMatchObject({ funding_rate: 0.00002, interval_hours: 1 })
  })

  test('a venue that stops answering pings, or drops the socket, is reconnected with every topic', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ws, ingestorRegistry } = await startStack(redis, keys, redisUrl)
    const trades = await listen(`${ws}/ws/bybit/BTCUSDT/trades`)
    await subscribed(redis, keys.liveChannel('trades', 'bybit', 'BTCUSDT'))
    const reconnects = () => ingestorReconnects(ingestorRegistry)
    expect(fake.connections().map((c) => c.topics)).toEqual([TOPICS])

    fake.answerPings(false)
    await expect.poll(reconnects, { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
    fake.answerPings(true)
    await expect
      .poll(() => fake.connections().map((c) => c.topics), { timeout: 5_000 })
      .toEqual([TOPICS])
    await pongDeadlinePassed(fake)
    const afterPings = await reconnects()

    fake.dropConnections()
    await expect.poll(reconnects).toBe(afterPings + 1)
    for (const topic of TOPICS) await fake.waitForSubscriber(topic)
    fake.emit(bybitTopic.trades('BTCUSDT'), [
      bybitEvents.trade({
        symbol: 'BTCUSDT',
        side: 'Sell',
        price: '64000',
        size: '1',
        time: Date.now(),
        id: 'z-1',
      }),
    ])
    await expect.poll(() => trades.map((record) => record.trade_id)).toEqual(['z-1'])
  })
})
