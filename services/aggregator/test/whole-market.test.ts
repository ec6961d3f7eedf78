import { Worker } from 'bullmq'
import { describe, expect, onTestFinished } from 'vitest'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import {
  createKeys,
  createRedis,
  publishRecords,
  readFeedAfter,
  writeUniverse,
  type Keys,
  type Redis,
} from '@takashi/bus'
import {
  metricValue,
  openInterest,
  redisTest as test,
  startOwnedRedis,
  uniquePrefix,
} from '@takashi/testing'
import {
  INTERVAL_MS,
  SPIKE_TIMEFRAMES,
  type OISpike,
  type OpenInterest,
  type SpikeTimeframe,
} from '@takashi/schemas'
import { createAggregatorMetrics, createOiMonitor } from '../src/index.ts'

// SYMBOLS=all: the spike monitor judges the symbols of each exchange's universe as it changes.

const HOUR = 3_600_000
/** 7.5 minutes into an hour: the middle of a 5m and a 15m period */
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % HOUR) + 450_000
const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)

/** Stands in for the Binance ingestor: a calm open-interest history for any symbol. */
function fakeIngestor(redisUrl: string, keys: Keys) {
  const requests: string[] = []
  const connection = createRedis(redisUrl, { blocking: true })
  const worker = new Worker(
    keys.fetchQueue('binance'),
    (job) => {
      const data = job.data as { kind: string; timeframe: SpikeTimeframe; symbol: string }
      requests.push(`${data.kind}:${data.symbol}:${data.timeframe}`)
      if (data.kind !== 'oi_history') return Promise.reject(new Error('upstream: no candles here'))
      const step = INTERVAL_MS[data.timeframe]
      const lastClosed = Math.floor(T0 / step) * step - step
      return Promise.resolve(
        Array.from({ length: 100 }, (_, i): OpenInterest => ({
          exchange: 'binance',
          symbol: data.symbol,
          timestamp: lastClosed - (99 - i) * step,
          received_at: T0,
          open_interest: calm(i),
          open_interest_usd: null,
        }))
      )
    },
    { connection, prefix: keys.bullPrefix }
  )
  onTestFinished(async () => {
    await worker.close()
    connection.disconnect()
  })
  return requests
}

const publishOi = (redis: Redis, keys: Keys, symbol: string, value: number, at: number) =>
  publishRecords(redis, keys, [
    {
      kind: 'open_interest',
      record: openInterest({ symbol, timestamp: at, received_at: at, open_interest: value }),
    },
  ])

const openAt = (redis: Redis, keys: Keys, symbol: string, tf: SpikeTimeframe) =>
  redis.hget(keys.spikeState('binance', symbol, tf, 'open_interest'), 'open_at')

async function spikesOf(redis: Redis, keys: Keys, symbol: string) {
  const entries = await readFeedAfter(redis, keys, 'oi-spikes', '0-0', 1_000)
  return entries.map((e) => JSON.parse(e.body) as OISpike).filter((s) => s.symbol === symbol)
}

function startMonitor(
  redisUrl: string,
  keys: Keys,
  historyFetchRate?: { burst: number; perSecond: number }
) {
  const registry = new Registry()
  const monitorRedis = createRedis(redisUrl)
  const monitor = createOiMonitor({
    redis: monitorRedis,
    redisUrl,
    keys,
    exchanges: ['binance'],
    symbols: 'all',
    pollMs: HOUR,
    log: pino({ level: 'silent' }),
    metrics: createAggregatorMetrics(registry),
    fetchTimeoutMs: 5_000,
    ...(historyFetchRate && { historyFetchRate }),
    now: () => T0 + 5_000,
  })
  onTestFinished(async () => {
    await monitor.stop()
    monitorRedis.disconnect()
  })
  return { monitor, registry }
}

describe('spike monitor over a whole market', () => {
  test('a symbol listed at runtime is seeded and judged; a delisted one is no longer judged', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    fakeIngestor(redisUrl, keys)
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT'])
    const { monitor, registry } = startMonitor(redisUrl, keys)
    await monitor.start()
    const judged = () =>
      metricValue(registry, 'takashi_aggregator_spike_symbols', { exchange: 'binance' })
    expect(await judged()).toBe(1)

    // SOLUSDT is listed: its records are heard, its windows seeded from history, then judged
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT', 'SOLUSDT'])
    await expect.poll(judged).toBe(2)
    const solChannel = keys.liveChannel('open-interest', 'binance', 'SOLUSDT')
    const listeners = async () =>
      Number(((await redis.pubsub('NUMSUB', solChannel)) as [string, number])[1])
    await expect.poll(listeners).toBe(1)
    await publishOi(redis, keys, 'SOLUSDT', 1010, T0)
    for (const tf of SPIKE_TIMEFRAMES) {
      await expect.poll(() => openAt(redis, keys, 'SOLUSDT', tf)).toBe(String(T0))
    }
    await publishOi(redis, keys, 'SOLUSDT', 1100, T0 + 20_000)
    await expect.poll(async () => (await spikesOf(redis, keys, 'SOLUSDT')).length).toBe(3)
    expect((await spikesOf(redis, keys, 'SOLUSDT')).map((s) => s.timeframe).sort()).toEqual([
      '15m',
      '1h',
      '5m',
    ])

    // delisted: its records are no longer judged (its state stays as it was, then expires)
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT'])
    await expect.poll(judged).toBe(1)
    await expect.poll(listeners).toBe(0)
    await publishOi(redis, keys, 'SOLUSDT', 1000, T0 + 40_000)
    // BTCUSDT's record after it shows the monitor went on judging
    await publishOi(redis, keys, 'BTCUSDT', 1010, T0 + 41_000)
    await expect.poll(() => openAt(redis, keys, 'BTCUSDT', '5m')).toBe(String(T0 + 41_000))
    expect(await openAt(redis, keys, 'SOLUSDT', '5m')).toBe(String(T0 + 20_000))
  })

  // a private redis-server: the test cuts every subscriber connection of it
  test('a record published while the open-interest subscription is cut is judged once it is back', async () => {
    const server = await startOwnedRedis()
    onTestFinished(() => server.stop())
    const redis = createRedis(server.url)
    onTestFinished(() => void redis.disconnect())
    const keys = createKeys(uniquePrefix())
    fakeIngestor(server.url, keys)
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT'])
    const { monitor } = startMonitor(server.url, keys)
    await monitor.start()
    await publishOi(redis, keys, 'BTCUSDT', 1010, T0)
    await expect.poll(() => openAt(redis, keys, 'BTCUSDT', '5m')).toBe(String(T0))

    expect(await redis.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0)
    // sent before the monitor is subscribed again (it reconnects after 200 ms): nobody hears it
    const record = openInterest({ symbol: 'BTCUSDT', timestamp: T0 + 1_000, open_interest: 1020 })
    const json = JSON.stringify(record)
    const sent = await redis
      .multi()
      .set(keys.latest('open-interest', 'binance', 'BTCUSDT'), json)
      .publish(keys.liveChannel('open-interest', 'binance', 'BTCUSDT'), json)
      .exec()
    expect(sent?.[1]).toEqual([null, 0])
    for (const tf of SPIKE_TIMEFRAMES) {
      await expect.poll(() => openAt(redis, keys, 'BTCUSDT', tf)).toBe(String(T0 + 1_000))
    }
  })

  test('seeding a whole market keeps to the history fetch allowance of each exchange', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const requests = fakeIngestor(redisUrl, keys)
    const symbols = Array.from({ length: 20 }, (_, i) => `S${i}USDT`)
    await writeUniverse(redis, keys, 'binance', symbols)
    // a burst of 12 fetches and no refill: never more, whatever the evaluations ask
    const { monitor } = startMonitor(redisUrl, keys, { burst: 12, perSecond: 0 })
    await monitor.start()
    const publishAll = (at: number) =>
      publishRecords(
        redis,
        keys,
        symbols.map((symbol) => ({
          kind: 'open_interest' as const,
          record: openInterest({ symbol, timestamp: at, received_at: at, open_interest: 1000 }),
        }))
      )
    await publishAll(T0)
    await expect.poll(() => requests.length).toBe(12)
    // every fetch answered seeds one open-interest window (volume has no history here)
    const openAts = async () =>
      (
        await Promise.all(
          symbols.flatMap((symbol) => SPIKE_TIMEFRAMES.map((tf) => openAt(redis, keys, symbol, tf)))
        )
      ).filter((at) => at !== null)
    const answered = requests.filter((request) => request.startsWith('oi_history')).length
    expect(answered).toBeGreaterThan(0)
    await expect.poll(async () => (await openAts()).length).toBe(answered)
    // later records are judged in the seeded windows; the others wait, with no new fetch
    await publishAll(T0 + 1_000)
    await expect.poll(openAts).toEqual(Array.from({ length: answered }, () => String(T0 + 1_000)))
    expect(requests).toHaveLength(12)
  })
})
