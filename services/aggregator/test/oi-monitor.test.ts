import { Worker } from 'bullmq'
import { describe, expect, onTestFinished } from 'vitest'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import {
  cacheCandles,
  createRedis,
  markCandlesFrom,
  publishRecords,
  readFeedAfter,
  writeHeartbeat,
  type Keys,
  type Redis,
} from '@takashi/bus'
import {
  metricValue,
  ohlc,
  openInterest as buildOpenInterest,
  redisTest as test,
} from '@takashi/testing'
import {
  INTERVAL_MS,
  type ExchangeId,
  SPIKE_TIMEFRAMES,
  type OISpike,
  type Ohlc,
  type OpenInterest,
  type SpikeTimeframe,
} from '@takashi/schemas'
import { createAggregatorMetrics, createOiMonitor } from '../src/index.ts'

/** 990 / 1010 alternating: mean 1000, stdev 10 */
const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)
const HOUR = 3_600_000
/** Exchange times of the test: 7.5 minutes into an hour, the middle of a 5m and a 15m period. */
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % HOUR) + 450_000
const periodOf = (at: number, tf: SpikeTimeframe) =>
  Math.floor(at / INTERVAL_MS[tf]) * INTERVAL_MS[tf]

/** Stands in for the Binance ingestor: answers OI history jobs with a calm series before T0. */
function fakeIngestor(redisUrl: string, keys: Keys, value: (i: number) => number = calm) {
  const requests: string[] = []
  const connection = createRedis(redisUrl, { blocking: true })
  const worker = new Worker(
    keys.fetchQueue('binance'),
    (job) => {
      const data = job.data as { kind: string; timeframe: SpikeTimeframe; symbol: string }
      requests.push(`${data.kind}:${data.timeframe}`)
      if (data.kind !== 'oi_history') return Promise.reject(new Error('upstream: no candles here'))
      const step = INTERVAL_MS[data.timeframe]
      const lastClosed = periodOf(T0, data.timeframe) - step
      return Promise.resolve(
        Array.from({ length: 100 }, (_, i): OpenInterest => ({
          exchange: 'binance',
          symbol: data.symbol,
          timestamp: lastClosed - (99 - i) * step,
          received_at: T0,
          open_interest: value(i),
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

function startMonitor(redisUrl: string, keys: Keys, exchanges: ExchangeId[] = ['binance']) {
  const redis = createRedis(redisUrl)
  const registry = new Registry()
  const monitor = createOiMonitor({
    redis,
    redisUrl,
    keys,
    exchanges,
    symbols: ['BTCUSDT'],
    // the floor is far away: every evaluation here is caused by a record
    pollMs: HOUR,
    log: pino({ level: 'silent' }),
    metrics: createAggregatorMetrics(registry),
    fetchTimeoutMs: 5_000,
    now: () => T0 + 5_000,
  })
  onTestFinished(async () => {
    await monitor.stop()
    redis.disconnect()
  })
  /** evaluations of the 5m open-interest series (seeds are not counted) */
  const runs = () =>
    metricValue(registry, 'takashi_aggregator_detector_runs_total', {
      timeframe: '5m',
      metric: 'open_interest',
    })
  return { monitor, registry, runs }
}

const openInterest = (value: number, at: number): OpenInterest =>
  buildOpenInterest({
    timestamp: at,
    received_at: at + 50,
    open_interest: value,
    open_interest_usd: value * 60_000,
  })
const publishOi = (redis: Redis, keys: Keys, value: number, at: number) =>
  publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest(value, at) }])

async function spikes(redis: Redis, keys: Keys) {
  const entries = await readFeedAfter(redis, keys, 'oi-spikes', '0-0', 1_000)
  return entries.map((e) => JSON.parse(e.body) as OISpike)
}

/** Publishes a reading and waits until the monitor has judged it (and everything before it). */
async function judged(
  redis: Redis,
  keys: Keys,
  runs: () => Promise<number>,
  value: number,
  at: number
) {
  const before = await runs()
  await publishOi(redis, keys, value, at)
  await expect.poll(runs).toBeGreaterThan(before)
  await judgedAt(redis, keys, at)
}

/** Waits until every open-interest series has judged the reading of exchange time `at`. */
async function judgedAt(redis: Redis, keys: Keys, at: number) {
  for (const tf of SPIKE_TIMEFRAMES) {
    await expect
      .poll(() => redis.hget(keys.spikeState('binance', 'BTCUSDT', tf, 'open_interest'), 'open_at'))
      .toBe(String(at))
  }
}

async function seeded(redis: Redis, keys: Keys) {
  for (const tf of SPIKE_TIMEFRAMES) {
    await expect
      .poll(() => redis.exists(keys.spikeState('binance', 'BTCUSDT', tf, 'open_interest')))
      .toBe(1)
  }
}

describe('OI spike monitor', () => {
  test('a mid-period jump is judged when its record arrives: one spike per timeframe, exact z', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const requests = fakeIngestor(redisUrl, keys)
    const { monitor, registry, runs } = startMonitor(redisUrl, keys)
    await monitor.start()
    const listener = createRedis(redisUrl)
    const heard: string[] = []
    listener.on('message', (_channel: string, message: string) => heard.push(message))
    await listener.subscribe(keys.feedChannel('oi-spikes', 'binance', 'BTCUSDT'))
    onTestFinished(() => listener.disconnect())

    // a calm first reading seeds the windows from history
    await publishOi(redis, keys, 1010, T0)
    await seeded(redis, keys)
    await judged(redis, keys, runs, 1010, T0 + 1_000)
    expect(await spikes(redis, keys)).toEqual([])

    // the jump, in the middle of every period
    await publishOi(redis, keys, 1100, T0 + 20_000)
    await expect.poll(async () => (await spikes(redis, keys)).length).toBe(3)
    const found = await spikes(redis, keys)
    for (const spike of found) {
      expect(spike).toEqual({
        id: spike.id,
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: T0 + 20_000,
        received_at: T0 + 5_000,
        timeframe: spike.timeframe,
        metric: 'open_interest',
        value: 1100,
        mean: 1000,
        stdev: 10,
        z_score: 10,
        threshold: { '5m': 3, '15m': 2.5, '1h': 2 }[spike.timeframe],
      })
    }
    expect(found.map((s) => s.timeframe).sort()).toEqual(['15m', '1h', '5m'])
    await expect.poll(() => heard.length).toBe(3)

    // the breakout goes on, into the next 5m period: no second spike
    await judged(redis, keys, runs, 1110, T0 + 40_000)
    await judged(redis, keys, runs, 1120, T0 + 300_000)
    expect(await spikes(redis, keys)).toHaveLength(3)

    // back to normal re-arms; the next breakout is a spike again
    await judged(redis, keys, runs, 1000, T0 + 310_000)
    await publishOi(redis, keys, 1200, T0 + 320_000)
    await expect.poll(async () => (await spikes(redis, keys)).length).toBe(6)
    expect((await spikes(redis, keys)).slice(3).map((s) => s.timestamp)).toEqual([
      T0 + 320_000,
      T0 + 320_000,
      T0 + 320_000,
    ])
    expect(requests).toEqual(
      expect.arrayContaining(['oi_history:5m', 'oi_history:15m', 'oi_history:1h'])
    )
    expect(await registry.getSingleMetricAsString('takashi_aggregator_spikes_total')).toContain(
      'timeframe="5m",metric="open_interest"} 2'
    )
  })

  test('a breakout under way at start, or after Redis lost the windows, publishes nothing', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    fakeIngestor(redisUrl, keys)
    const { monitor, runs } = startMonitor(redisUrl, keys)
    await monitor.start()
    // the first reading is already far out: the window is seeded, nothing is said about it
    await publishOi(redis, keys, 1100, T0)
    await seeded(redis, keys)
    await judged(redis, keys, runs, 1105, T0 + 1_000)

    // Redis loses every window and state: rebuilt from history, again silently
    const lost = await redis.keys(`${keys.prefix}:spike-*`)
    expect(lost).toHaveLength(6)
    await redis.del(...lost)
    await publishOi(redis, keys, 1110, T0 + 2_000)
    await seeded(redis, keys)
    await judged(redis, keys, runs, 1110, T0 + 3_000)
    expect(await spikes(redis, keys)).toEqual([])
  })

  test('two workers judging the same records publish each spike once', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    fakeIngestor(redisUrl, keys)
    const a = startMonitor(redisUrl, keys)
    const b = startMonitor(redisUrl, keys)
    await a.monitor.start()
    await b.monitor.start()
    await publishOi(redis, keys, 1010, T0)
    await seeded(redis, keys)
    for (let n = 1; n <= 5; n++) {
      const runsA = await a.runs()
      const runsB = await b.runs()
      await publishOi(redis, keys, n % 2 === 0 ? 1000 : 1100, T0 + n * 1_000)
      // both have evaluated since (each evaluates every record it hears), and it was judged
      await expect.poll(a.runs).toBeGreaterThan(runsA)
      await expect.poll(b.runs).toBeGreaterThan(runsB)
      await judgedAt(redis, keys, T0 + n * 1_000)
    }
    await Promise.all([a.monitor.evaluate(), b.monitor.evaluate()])
    // three breakouts (1100 at n = 1, 3, 5) × three timeframes
    const found = await spikes(redis, keys)
    expect(found.map((s) => `${s.timeframe}@${s.timestamp - T0}`).sort()).toEqual(
      ['15m', '1h', '5m'].flatMap((tf) => [`${tf}@1000`, `${tf}@3000`, `${tf}@5000`]).sort()
    )
  })

  test('volume: an open candle already above the threshold part-way through is a spike', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    fakeIngestor(redisUrl, keys)
    const step = INTERVAL_MS['5m']
    const open = periodOf(T0, '5m')
    const candle = (timestamp: number, volume: number, closed: boolean): Ohlc =>
      ohlc({
        timestamp,
        received_at: timestamp,
        interval: '5m',
        open: 60_000,
        high: 60_000,
        low: 60_000,
        close: 60_000,
        volume,
        quote_volume: null,
        trades: null,
        closed,
      })
    const history = Array.from({ length: 100 }, (_, i) =>
      candle(open - (100 - i) * step, calm(i) / 10, true)
    )
    await cacheCandles(redis, keys, [...history, candle(open, 20, false)])
    await markCandlesFrom(
      redis,
      keys,
      { exchange: 'binance', symbol: 'BTCUSDT', interval: '5m' },
      0
    )
    const { monitor } = startMonitor(redisUrl, keys)
    await monitor.start()
    await publishOi(redis, keys, 1010, T0)
    await expect
      .poll(() => redis.exists(keys.spikeState('binance', 'BTCUSDT', '5m', 'volume')))
      .toBe(1)

    // two minutes into the candle it has traded far more than a whole calm candle
    await publishRecords(redis, keys, [{ kind: 'ohlc', record: candle(open, 130, false) }])
    await publishOi(redis, keys, 1010, T0 + 1_000)
    await expect
      .poll(async () => (await spikes(redis, keys)).filter((s) => s.metric === 'volume'))
      .toEqual([
        expect.objectContaining({
          timeframe: '5m',
          timestamp: open,
          value: 130,
          mean: 100,
          stdev: 1,
          z_score: 30,
          threshold: 3,
        }),
      ])
  })

  test('a scheduled evaluation skips exchanges whose ingestor is not running', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const requests = fakeIngestor(redisUrl, keys)
    await writeHeartbeat(redis, keys, 'binance', { 'btcusdt@aggTrade': Date.now() })
    await publishOi(redis, keys, 1010, T0)
    const { monitor } = startMonitor(redisUrl, keys, ['binance', 'okx'])
    await monitor.evaluate()
    await seeded(redis, keys)
    expect(requests).toEqual(
      expect.arrayContaining(['oi_history:5m', 'oi_history:15m', 'oi_history:1h'])
    )
    expect(await redis.exists(`${keys.bullPrefix}:${keys.fetchQueue('okx')}:id`)).toBe(0)
  })
})
