import { Queue, QueueEvents } from 'bullmq'
import { Registry } from 'prom-client'
import { afterEach, expect } from 'vitest'
import { createRedis, readLatest, type FetchRequest, type Keys, type Redis } from '@takashi/bus'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import { redisTest as test } from '@takashi/testing'
import { binanceEvents, startFakeBinance, binanceKlineRows } from '@takashi/fakes/binance'
import { createIngestor } from '../src/index.ts'

const MINUTE = 60_000

function binance() {
  const adapter = adapters.binance
  if (adapter === undefined) throw new Error('the binance adapter is not registered')
  return adapter
}
const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function setup(redis: Redis, keys: Keys, redisUrl: string) {
  const fake = await startFakeBinance()
  cleanups.push(() => fake.close())
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  fake.rest.setKlines('BTCUSDT', '1m', binanceKlineRows(lastOpen - MINUTE, 20, 321))
  fake.rest.setOpenInterest('BTCUSDT', { openInterest: '80000.250', time: Date.now() })
  const registry = new Registry()
  const ingestor = createIngestor({
    adapter: binance(),
    urls: { ws: fake.wsUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
    redis,
    redisUrl,
    keys,
    log: createLogger({ service: 'ingestor-test', level: 'silent' }),
    registry,
    timing: {
      pollEveryMs: 100,
      heartbeatMs: 50,
      // a generous pong timeout: a loaded machine must not see reconnects the test did not cause
      connection: { backoffBaseMs: 20, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1_000 },
    },
  })
  cleanups.push(() => ingestor.stop())
  await ingestor.start()
  await fake.waitForSubscriber('btcusdt@aggTrade')
  return { fake, ingestor, lastOpen, registry }
}

async function listen(redisUrl: string, channel: string): Promise<string[]> {
  const subscriber = createRedis(redisUrl, { blocking: true })
  cleanups.push(() => subscriber.disconnect())
  const messages: string[] = []
  subscriber.on('message', (_channel: string, message: string) => messages.push(message))
  await subscriber.subscribe(channel)
  return messages
}

test('fake Binance → ingestor → Redis: trades, candles, funding, OI', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { fake, ingestor } = await setup(redis, keys, redisUrl)
  await expect.poll(() => ingestor.ready()).toBe(true)

  const trades = await listen(redisUrl, keys.liveChannel('trades', 'binance', 'BTCUSDT'))
  fake.emit(
    'btcusdt@aggTrade',
    binanceEvents.aggTrade({
      symbol: 'BTCUSDT',
      price: '64000.10',
      qty: '0.250',
      buyerIsMaker: true,
      id: 5_550_001,
      time: 1_767_000_000_123,
    })
  )
  await expect.poll(() => trades.length).toBe(1)
  const trade = JSON.parse(trades[0]!) as Record<string, unknown>
  expect(trade).toEqual({
    exchange: 'binance',
    symbol: 'BTCUSDT',
    timestamp: 1_767_000_000_123,
    received_at: expect.any(Number) as number,
    id: 'binance:BTCUSDT:5550001',
    side: 'sell',
    price: 64000.1,
    quantity: 0.25,
    value_usd: 64000.1 * 0.25,
    trade_id: '5550001',
  })

  const openTime = Date.now() - (Date.now() % MINUTE)
  fake.emit(
    'btcusdt@kline_1m',
    binanceEvents.kline({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime,
      o: '1',
      h: '3',
      l: '0.5',
      c: '2',
      v: '10',
      q: '20',
      n: 7,
      closed: false,
    })
  )
  await expect
    .poll(async () =>
      redis.zrangebyscore(keys.candles('binance', 'BTCUSDT', '1m'), openTime, openTime)
    )
    .toHaveLength(1)
  const [cached] = await redis.zrangebyscore(
    keys.candles('binance', 'BTCUSDT', '1m'),
    openTime,
    openTime
  )
  expect(JSON.parse(cached!)).toMatchObject({
    timestamp: openTime,
    open: 1,
    high: 3,
    low: 0.5,
    close: 2,
    volume: 10,
    quote_volume: 20,
    trades: 7,
    closed: false,
  })

  fake.emit(
    'btcusdt@markPrice@1s',
    binanceEvents.markPrice({
      symbol: 'BTCUSDT',
      markPrice: '64010.50',
      fundingRate: '0.00012',
      nextFundingTime: 1_767_001_600_000,
      time: 1_767_000_001_000,
    })
  )
  await expect
    .poll(() => readLatest(redis, keys, 'funding-rate', 'binance', 'BTCUSDT'))
    .not.toBeNull()
  expect(
    JSON.parse((await readLatest(redis, keys, 'funding-rate', 'binance', 'BTCUSDT'))!)
  ).toMatchObject({
    timestamp: 1_767_000_001_000,
    funding_rate: 0.00012,
    interval_hours: 8,
    next_funding_time: 1_767_001_600_000,
    mark_price: 64010.5,
  })

  // the OI poll prices open interest at the mark price it has seen
  await expect
    .poll(
      async () =>
        JSON.parse(
          (await readLatest(redis, keys, 'open-interest', 'binance', 'BTCUSDT')) ?? '{}'
        ) as Record<string, unknown>
    )
    .toMatchObject({ open_interest: 80000.25, open_interest_usd: 80000.25 * 64010.5 })
})

test('after the venue drops the connection the ingestor reconnects and backfills by REST', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { fake, lastOpen } = await setup(redis, keys, redisUrl)
  const series = keys.candles('binance', 'BTCUSDT', '1m')
  // the start-up backfill fetched the venue's rows and marked the cache contiguous
  await expect.poll(() => redis.zcard(series)).toBe(20)
  expect(await redis.get(keys.candlesFrom('binance', 'BTCUSDT', '1m'))).toBe(
    String(lastOpen - 20 * MINUTE)
  )

  // the venue now has a newer candle the ingestor never saw on the socket
  fake.rest.setKlines('BTCUSDT', '1m', binanceKlineRows(lastOpen, 21, 321))
  const klineCalls = () => fake.requests.filter((request) => request.path === '/fapi/v1/klines')
  const before = klineCalls().length
  const droppedIn = Math.floor(Date.now() / MINUTE) * MINUTE
  fake.dropConnections()
  await fake.waitForConnections(1)
  await fake.waitForSubscriber('btcusdt@aggTrade')
  await expect.poll(() => klineCalls().length).toBeGreaterThan(before)
  // the gap starts with the candle that was open when the connection went down
  expect(klineCalls()[before]?.query).toMatchObject({ symbol: 'BTCUSDT', interval: '1m' })
  expect([String(droppedIn), String(droppedIn + MINUTE)]).toContain(
    klineCalls()[before]?.query.startTime
  )
  await expect.poll(() => redis.zcard(series)).toBe(21)
  expect(await redis.get(keys.candlesFrom('binance', 'BTCUSDT', '1m'))).toBe(
    String(lastOpen - 20 * MINUTE)
  )
})

test('a venue that stops answering pings is reconnected with every stream', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { fake, registry } = await setup(redis, keys, redisUrl)
  const reconnects = async () => {
    const text = await registry.getSingleMetricAsString('takashi_ingestor_reconnects_total')
    const line = text.split('\n').find((row) => row.includes('exchange="binance"'))
    return Number(line?.split(' ').at(-1) ?? 0)
  }
  const [before] = fake.connections()
  expect(await reconnects()).toBe(0)

  fake.answerPings(false)
  await expect.poll(reconnects, { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
  fake.answerPings(true)
  await fake.waitForSubscriber('btcusdt@aggTrade')
  // one socket again, asking for exactly the streams the first one had
  await expect.poll(() => fake.connections().length).toBe(1)
  expect(fake.connections()[0]?.streams).toEqual(before?.streams)
  expect(fake.pingsReceived()).toBeGreaterThan(0)
})

test('fetch jobs return klines, and an exchange 500 fails the job with an upstream message', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { fake, lastOpen } = await setup(redis, keys, redisUrl)
  const connection = createRedis(redisUrl, { blocking: true })
  const eventsConnection = createRedis(redisUrl, { blocking: true })
  const queue = new Queue(keys.fetchQueue('binance'), { connection, prefix: keys.bullPrefix })
  const events = new QueueEvents(keys.fetchQueue('binance'), {
    connection: eventsConnection,
    prefix: keys.bullPrefix,
  })
  cleanups.push(
    () => connection.disconnect(),
    () => eventsConnection.disconnect()
  )
  cleanups.push(
    () => queue.close(),
    () => events.close()
  )
  await events.waitUntilReady()
  const request: FetchRequest = { kind: 'ohlc', symbol: 'BTCUSDT', interval: '1m', limit: 3 }

  const job = await queue.add('fetch', request)
  const klines = (await job.waitUntilFinished(events, 10_000)) as {
    timestamp: number
    close: number
  }[]
  expect(klines.map((candle) => candle.timestamp)).toEqual([
    lastOpen - 3 * MINUTE,
    lastOpen - 2 * MINUTE,
    lastOpen - MINUTE,
  ])
  expect(klines[2]).toMatchObject({
    exchange: 'binance',
    symbol: 'BTCUSDT',
    interval: '1m',
    close: 64019.5,
    trades: 340,
    closed: true,
  })

  fake.rest.failNext('/fapi/v1/klines', 500, {
    code: -1000,
    msg: 'An unknown error occured while processing the request.',
  })
  const failing = await queue.add('fetch', request)
  await expect(failing.waitUntilFinished(events, 10_000)).rejects.toThrow(/^upstream: .*500/)

  // the OI/volume monitor backfills its windows with the exchange's OI history
  fake.rest.setOpenInterestHist('BTCUSDT', '5m', [
    {
      sumOpenInterest: '81000.5',
      sumOpenInterestValue: '5184032000.0',
      timestamp: lastOpen - 10 * MINUTE,
    },
    {
      sumOpenInterest: '81200.0',
      sumOpenInterestValue: '5196800000.0',
      timestamp: lastOpen - 5 * MINUTE,
    },
  ])
  const history: FetchRequest = { kind: 'oi_history', symbol: 'BTCUSDT', timeframe: '5m', limit: 2 }
  const historyJob = await queue.add('fetch', history)
  expect(await historyJob.waitUntilFinished(events, 10_000)).toEqual([
    expect.objectContaining({
      timestamp: lastOpen - 10 * MINUTE,
      open_interest: 81000.5,
      open_interest_usd: 5184032000,
    }),
    expect.objectContaining({
      timestamp: lastOpen - 5 * MINUTE,
      open_interest: 81200,
      open_interest_usd: 5196800000,
    }),
  ])
  // the ingestor's own polls keep running: find the fetch job's request by path and query
  const historyRequests = fake.requests.filter(
    (request) => request.path === '/futures/data/openInterestHist'
  )
  expect(
    historyRequests.map(({ query }) => [query.symbol, query.period, query.limit])
  ).toContainEqual(['BTCUSDT', '5m', '2'])
})
