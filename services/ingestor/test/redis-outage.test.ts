import { Queue, QueueEvents } from 'bullmq'
import { Registry } from 'prom-client'
import { afterEach, expect, test } from 'vitest'
import {
  createKeys,
  createRedis,
  fetchJobId,
  readCandles,
  readFeedAfter,
  readHeartbeat,
  readLatest,
  type FetchRequest,
  type Keys,
  type Redis,
} from '@takashi/bus'
import { freePort } from '@takashi/local-redis'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import type { Liquidation } from '@takashi/schemas'
import {
  liquidation as buildLiquidation,
  metricValue,
  startOwnedRedis,
  uniquePrefix,
} from '@takashi/testing'
import { binanceEvents, startFakeBinance, binanceKlineRows } from '@takashi/fakes/binance'
import { createFeedConsumer } from '../../aggregator/src/feed-consumer.ts'
import { createAggregatorMetrics } from '../../aggregator/src/metrics.ts'
import { createEventOutbox } from '../src/event-outbox.ts'
import { createIngestor } from '../src/ingestor.ts'

import { testDeps } from './ws-venue.ts'

const MINUTE = 60_000
// generous: other work shares the machine's two cores
const WAIT = { timeout: 15_000, interval: 50 }
const silent = createLogger({ service: 'ingestor-test', level: 'silent' })
const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

function client(url: string, options: { blocking?: boolean } = {}): Redis {
  const redis = createRedis(url, options)
  redis.on('error', () => undefined) // the test takes Redis away on purpose
  cleanups.push(() => redis.disconnect())
  return redis
}

interface CandleRead {
  at: number
  covered: boolean
  openTimes: number[]
}

/** Reads a candle window over and over, as a gateway would, until stopped. */
function watchWindow(redis: Redis, keys: Keys, window: { start_time: number; end_time: number }) {
  const reads: CandleRead[] = []
  let running = true
  const series = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' } as const
  const done = (async () => {
    while (running) {
      try {
        const read = await readCandles(redis, keys, series, { limit: 5, ...window })
        const openTimes = (JSON.parse(read.body) as { timestamp: number }[]).map((c) => c.timestamp)
        reads.push({ at: Date.now(), covered: read.covered, openTimes })
      } catch {
        // Redis is away: nothing is served
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  cleanups.push(() => {
    running = false
    return done
  })
  return reads
}

test('Redis restarts empty: events seen meanwhile reach the feed once and in order, the candle window is backfilled before it is covered, heartbeat and fetch jobs resume', async () => {
  const binance = adapters.binance
  if (!binance) throw new Error('no binance adapter')
  const owned = await startOwnedRedis()
  cleanups.push(() => owned.shutdown())
  const keys = createKeys(uniquePrefix())
  const redis = client(owned.url)
  const probe = client(owned.url)

  const fake = await startFakeBinance()
  cleanups.push(() => fake.close())
  const lastOpen = Math.floor(Date.now() / MINUTE) * MINUTE
  fake.rest.setKlines('BTCUSDT', '1m', binanceKlineRows(lastOpen, 30))
  fake.rest.setOpenInterest('BTCUSDT', { openInterest: '80000.250', time: lastOpen })

  const registry = new Registry()
  const ingestor = createIngestor({
    adapter: binance,
    urls: { ws: fake.wsUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
    redis,
    redisUrl: owned.url,
    keys,
    log: silent,
    registry,
    largeTradeMinUsd: 100_000,
    timing: {
      pollEveryMs: 500,
      heartbeatMs: 200,
      coverageEveryMs: 300,
      connection: { backoffBaseMs: 20, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 5_000 },
    },
  })
  cleanups.push(() => ingestor.stop())
  await ingestor.start()
  await fake.waitForSubscriber('btcusdt@forceOrder', 10_000)

  // the outage window: the five candles up to the one open now
  const window = { start_time: lastOpen - 4 * MINUTE, end_time: lastOpen }
  const reads = watchWindow(probe, keys, window)
  await expect.poll(() => reads.at(-1)?.covered, WAIT).toBe(true)

  await owned.shutdown()
  await expect.poll(() => metricValue(registry, 'takashi_ingestor_backbone_down'), WAIT).toBe(1)
  const liquidationTimes = [1, 2, 3, 4, 5].map((i) => lastOpen + i)
  for (const [i, time] of liquidationTimes.entries()) {
    fake.emit(
      'btcusdt@forceOrder',
      binanceEvents.forceOrder({
        symbol: 'BTCUSDT',
        side: i % 2 === 0 ? 'SELL' : 'BUY',
        price: `${64000 + i}.0`,
        qty: '1.000',
        time,
      })
    )
  }
  const trade = (id: number, qty: string) =>
    binanceEvents.aggTrade({
      symbol: 'BTCUSDT',
      price: '64000.0',
      qty,
      buyerIsMaker: false,
      id,
      time: lastOpen + 10,
    })
  fake.emit('btcusdt@aggTrade', trade(9_001, '2.000')) // $128,000: a large trade
  fake.emit('btcusdt@aggTrade', trade(9_002, '0.001')) // a small one, which may be dropped
  await expect
    .poll(() => metricValue(registry, 'takashi_ingestor_event_buffer_events'), WAIT)
    .toBe(6)

  // the first backfill after the restart fails: the window must stay uncovered until one works
  fake.rest.failNext('/fapi/v1/klines', 500)
  const klineCalls = () => fake.requests.filter((r) => r.path === '/fapi/v1/klines').length
  const callsBefore = klineCalls()
  await owned.restart()
  const backAt = Date.now()

  // the aggregator's feed consumer, started on the new Redis like a restarted aggregator
  const consumerRedis = client(owned.url, { blocking: true })
  const consumer = createFeedConsumer({
    redis: consumerRedis,
    keys,
    floors: { largeTradeMinUsd: 100_000, liquidationMinUsd: 0 },
    log: silent,
    metrics: createAggregatorMetrics(new Registry()),
    blockMs: 100,
  })
  await consumer.start()
  cleanups.push(() => consumer.stop())

  const feedOf = async (feed: 'liquidations' | 'large-trades') =>
    (await readFeedAfter(probe, keys, feed, '0', 100)).map(
      (entry) => JSON.parse(entry.body) as Liquidation
    )
  await expect.poll(async () => (await feedOf('liquidations')).length, WAIT).toBe(5)
  const feedAt = Date.now()
  expect((await feedOf('liquidations')).map((l) => l.timestamp)).toEqual(liquidationTimes)
  await expect
    .poll(() => feedOf('large-trades'), WAIT)
    .toMatchObject([{ trade_id: '9001', value_usd: 128_000 }])
  // each event was appended to the ingest stream once: nothing for the feed to drop
  expect(await probe.xlen(keys.ingest('liquidations'))).toBe(5)

  await expect
    .poll(async () => (await readHeartbeat(probe, keys, 'binance')).aliveAt !== null, WAIT)
    .toBe(true)
  const heartbeatAt = Date.now()
  await expect
    .poll(() => readLatest(probe, keys, 'open-interest', 'binance', 'BTCUSDT'), WAIT)
    .not.toBeNull()

  await expect.poll(() => reads.at(-1)?.covered, WAIT).toBe(true)
  const coveredAt = Date.now()
  expect(klineCalls()).toBeGreaterThanOrEqual(callsBefore + 2)
  // after the restart the window was uncovered until the backfill, never covered with a hole
  expect(reads.some((read) => read.at > backAt && !read.covered)).toBe(true)
  const expected = [0, 1, 2, 3, 4].map((i) => window.start_time + i * MINUTE)
  for (const read of reads.filter((r) => r.covered)) expect(read.openTimes).toEqual(expected)

  // the fetch worker answers cache misses again
  const queueRedis = client(owned.url, { blocking: true })
  const eventsRedis = client(owned.url, { blocking: true })
  const queue = new Queue(keys.fetchQueue('binance'), {
    connection: queueRedis,
    prefix: keys.bullPrefix,
  })
  const events = new QueueEvents(keys.fetchQueue('binance'), {
    connection: eventsRedis,
    prefix: keys.bullPrefix,
  })
  cleanups.push(async () => {
    await events.close()
    await queue.close()
  })
  await events.waitUntilReady()
  const request: FetchRequest = { kind: 'open_interest', symbol: 'BTCUSDT' }
  const job = await queue.add('fetch', request, { jobId: fetchJobId(request) })
  await expect(job.waitUntilFinished(events, 15_000)).resolves.toMatchObject({
    open_interest: 80000.25,
  })

  expect(heartbeatAt - backAt).toBeLessThan(10_000)
  expect(feedAt - backAt).toBeLessThan(10_000)
  expect(coveredAt - backAt).toBeLessThan(10_000)
  expect(await metricValue(registry, 'takashi_ingestor_backbone_down')).toBe(0)
  expect(
    await metricValue(registry, 'takashi_ingestor_event_buffer_dropped_total', { reason: 'full' })
  ).toBe(0)
  expect(await metricValue(registry, 'takashi_ingestor_publish_errors_total')).toBeGreaterThan(0)
})

test('events over the buffer bound are dropped and counted while Redis is away', async () => {
  const deps = testDeps()
  const down = createRedis(`redis://127.0.0.1:${await freePort()}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  down.on('error', () => undefined)
  cleanups.push(() => down.disconnect())
  const outbox = createEventOutbox({
    redis: down,
    keys: createKeys(uniquePrefix()),
    ...deps,
    limits: { capacity: 3, maxAgeMs: 60_000 },
  })
  cleanups.push(() => outbox.close(0))
  const liquidation = (n: number) => ({
    kind: 'liquidation' as const,
    record: buildLiquidation({
      timestamp: n,
      received_at: n,
      id: `binance:BTCUSDT:${n}`,
      price: 1,
      quantity: 1,
      value_usd: 1,
    }),
  })
  outbox.push([1, 2, 3, 4, 5].map(liquidation))
  expect(outbox.size()).toBe(3)
  expect(
    await metricValue(deps.registry, 'takashi_ingestor_event_buffer_dropped_total', {
      reason: 'full',
    })
  ).toBe(2)
  expect(await metricValue(deps.registry, 'takashi_ingestor_event_buffer_events')).toBe(3)
})
