import { Registry } from 'prom-client'
import {
  cacheCandles,
  createKeys,
  createRedis,
  writeHeartbeat,
  type Keys,
  type Redis,
} from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { createLogger } from '@takashi/observability'
import {
  INTERVAL_MS,
  SPIKE_TIMEFRAMES,
  type ExchangeId,
  type Ohlc,
  type OpenInterest,
  type SpikeTimeframe,
} from '@takashi/schemas'
import { createAggregatorMetrics, createOiMonitor } from '@takashi/aggregator'
import {
  candleReadings,
  seedSeries,
  SPIKE_THRESHOLDS,
} from '../services/aggregator/src/oi-spike.ts'
import { commitSeries, type Commit } from '../services/aggregator/src/spike-store.ts'

export interface SpikesResult {
  series: number
  /** one evaluation of every series when nothing changed (reads only), median ms */
  unchanged_ms: number
  /** one evaluation where every series has a new value (reads and writes), median ms */
  all_new_ms: number
  /** the aggregator's own CPU time in those two cases (Redis's not included), median ms */
  unchanged_cpu_ms: number
  all_new_cpu_ms: number
  /** the evaluation at the top of an hour: every period of every series closes at once */
  all_close_ms: number
  /** the slowest evaluation seen */
  max_ms: number
  runs: number
}

const EXCHANGES: ExchangeId[] = ['binance', 'bybit', 'okx', 'hyperliquid']
const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)

function candle(
  exchange: ExchangeId,
  symbol: string,
  tf: SpikeTimeframe,
  t: number,
  volume: number,
  closed: boolean
): Ohlc {
  return {
    exchange,
    symbol,
    timestamp: t,
    received_at: t,
    interval: tf,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume,
    quote_volume: null,
    trades: null,
    closed,
  }
}

/** Latest OI per symbol and the newest candles per timeframe, as the ingestors leave them. */
async function writeMarket(redis: Redis, keys: Keys, symbols: string[], at: number, n: number) {
  const pipeline = redis.pipeline()
  const candles: Ohlc[] = []
  for (const exchange of EXCHANGES) {
    for (const symbol of symbols) {
      const record: OpenInterest = {
        exchange,
        symbol,
        timestamp: at,
        received_at: at,
        open_interest: 1000 + (n % 5),
        open_interest_usd: null,
      }
      pipeline.set(keys.latest('open-interest', exchange, symbol), JSON.stringify(record))
      for (const tf of SPIKE_TIMEFRAMES) {
        const open = Math.floor(at / INTERVAL_MS[tf]) * INTERVAL_MS[tf]
        candles.push(candle(exchange, symbol, tf, open, 10 + n, false))
      }
    }
  }
  await pipeline.exec()
  await cacheCandles(redis, keys, candles)
}

/** Every series starts from a 100-period calm history (as seeding from the exchange would). */
async function seedAll(redis: Redis, keys: Keys, symbols: string[], at: number) {
  const commits: Commit[] = []
  for (const exchange of EXCHANGES) {
    for (const symbol of symbols) {
      for (const timeframe of SPIKE_TIMEFRAMES) {
        const step = INTERVAL_MS[timeframe]
        const open = Math.floor(at / step) * step
        const past = Array.from({ length: 100 }, (_, i) =>
          candle(exchange, symbol, timeframe, open - (100 - i) * step, calm(i), true)
        )
        const { closed } = candleReadings(past)
        const current = { period: open, value: 1000, at }
        for (const metric of ['open_interest', 'volume'] as const) {
          const state = seedSeries(closed, current, SPIKE_THRESHOLDS[timeframe])
          const series = { exchange, symbol, timeframe, metric }
          commits.push({ series, version: '', state, windowChanged: true })
        }
      }
    }
  }
  await commitSeries(redis, keys, commits)
  for (const exchange of EXCHANGES) await writeHeartbeat(redis, keys, exchange, { bench: at })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/**
 * One scheduled evaluation of every series (symbols × 4 exchanges × 3 timeframes × 2 metrics)
 * against a private redis-server: with nothing new, with a new value everywhere, and at the
 * top of an hour when every window moves on.
 */
export async function benchSpikes(symbolCount = 200, runs = 5): Promise<SpikesResult> {
  const server = await startLocalRedis()
  const keys = createKeys('bench')
  const redis = createRedis(server.url)
  const symbols = Array.from({ length: symbolCount }, (_, i) => `S${i}USDT`)
  const monitor = createOiMonitor({
    redis,
    redisUrl: server.url,
    keys,
    exchanges: EXCHANGES,
    symbols,
    pollMs: 60_000,
    log: createLogger({ service: 'bench', level: 'silent' }),
    metrics: createAggregatorMetrics(new Registry()),
  })
  try {
    // mid-period, so no run closes a period
    const base = Date.now() - (Date.now() % INTERVAL_MS['1h']) + 450_000
    await seedAll(redis, keys, symbols, base)
    await writeMarket(redis, keys, symbols, base, 0)
    // wall time, and this process's CPU time (what a loaded machine changes least)
    const cpu: { unchanged: number[]; allNew: number[] } = { unchanged: [], allNew: [] }
    const timed = async (cpuOf?: number[]) => {
      const started = performance.now()
      const cpuStart = process.cpuUsage()
      await monitor.evaluate()
      const used = process.cpuUsage(cpuStart)
      cpuOf?.push((used.user + used.system) / 1_000)
      return performance.now() - started
    }
    await timed() // warm-up
    const unchanged: number[] = []
    const allNew: number[] = []
    for (let n = 1; n <= runs; n++) {
      unchanged.push(await timed(cpu.unchanged))
      await writeMarket(redis, keys, symbols, base + n * 1_000, n)
      allNew.push(await timed(cpu.allNew))
    }
    await writeMarket(redis, keys, symbols, base + INTERVAL_MS['1h'], runs + 1)
    const allClose = await timed()
    return {
      series: EXCHANGES.length * symbolCount * SPIKE_TIMEFRAMES.length * 2,
      unchanged_ms: Math.round(median(unchanged)),
      all_new_ms: Math.round(median(allNew)),
      unchanged_cpu_ms: Math.round(median(cpu.unchanged)),
      all_new_cpu_ms: Math.round(median(cpu.allNew)),
      all_close_ms: Math.round(allClose),
      max_ms: Math.round(Math.max(...unchanged, ...allNew, allClose)),
      runs,
    }
  } finally {
    await monitor.stop()
    redis.disconnect()
    await server.stop()
  }
}
