import type { Registry } from 'prom-client'
import { createRedis, type Keys } from '@takashi/bus'
import { logConnectionErrors, trackRedisUp, type Logger } from '@takashi/observability'
import type { SymbolsSetting } from '@takashi/config'
import type { ExchangeId } from '@takashi/schemas'
import { createFeedConsumer } from './feed-consumer.ts'
import { createAggregatorMetrics } from './metrics.ts'
import { createOiMonitor } from './oi-monitor.ts'

export interface AggregatorOptions {
  redisUrl: string
  keys: Keys
  log: Logger
  registry: Registry
  /** exchanges and symbols the OI/volume spike monitor watches */
  exchanges: readonly ExchangeId[]
  /** a list, or `all` to follow each exchange's universe */
  symbols: SymbolsSetting | readonly string[]
  /** floors of the large-trade and liquidation feeds, in USD */
  floors: { largeTradeMinUsd: number; liquidationMinUsd: number }
  /** the spike monitor's scheduled evaluation period (OI_MONITOR_POLL_MS) */
  pollMs: number
  /** how long a history fetch from an ingestor may take */
  fetchTimeoutMs?: number
}

export interface Aggregator {
  /** Starts consuming the feed stream and the spike monitor. */
  start(): Promise<void>
  /** Stops intake, closes the workers and quits Redis; safe to call during start(). */
  stop(): Promise<void>
  /** Redis is up and the feed consumer is consuming. */
  ready: () => boolean
}

/** The aggregator process's parts: the feed consumer and the OI/volume spike monitor. */
export function createAggregator(options: AggregatorOptions): Aggregator {
  const { keys, log, registry } = options
  const metrics = createAggregatorMetrics(registry)
  // the feed consumer blocks on its connection; the monitor gets one of its own
  const redis = createRedis(options.redisUrl, { blocking: true })
  const monitorRedis = createRedis(options.redisUrl)
  trackRedisUp(registry, 'aggregator', monitorRedis)
  for (const connection of [redis, monitorRedis]) {
    logConnectionErrors(connection, log, 'redis connection error')
  }

  const consumer = createFeedConsumer({
    redis,
    backboneUrl: options.redisUrl,
    keys,
    floors: options.floors,
    log,
    metrics,
  })
  const monitor = createOiMonitor({
    redis: monitorRedis,
    redisUrl: options.redisUrl,
    keys,
    exchanges: options.exchanges,
    symbols: options.symbols,
    pollMs: options.pollMs,
    log,
    metrics,
    fetchTimeoutMs: options.fetchTimeoutMs,
  })
  let lagTimer: NodeJS.Timeout | undefined

  return {
    async start() {
      lagTimer ??= setInterval(() => {
        consumer.updateLag().catch((err: unknown) => log.debug({ err }, 'lag update failed'))
      }, 5_000)
      await consumer.start()
      await monitor.start()
    },
    async stop() {
      clearInterval(lagTimer)
      lagTimer = undefined
      await consumer.stop()
      await monitor.stop()
      redis.disconnect()
      monitorRedis.disconnect()
    },
    ready: () => redis.status === 'ready' && consumer.consuming(),
  }
}
