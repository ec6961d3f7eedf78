import { createKeys, createRedis } from '@takashi/bus'
import {
  createLogger,
  createRegistry,
  logConnectionErrors,
  onShutdown,
  serveMetrics,
  trackRedisUp,
} from '@takashi/observability'
import { env } from './env.ts'
import { createFeedConsumer } from './feed-consumer.ts'
import { createAggregatorMetrics } from './metrics.ts'
import { createOiMonitor } from './oi-monitor.ts'

const log = createLogger({ service: 'aggregator', level: env.LOG_LEVEL })
const registry = createRegistry('aggregator')
const metrics = createAggregatorMetrics(registry)
const keys = createKeys()
// the feed consumer blocks on its connection; the monitor gets one of its own
const redis = createRedis(env.REDIS_URL, { blocking: true })
const monitorRedis = createRedis(env.REDIS_URL)
trackRedisUp(registry, 'aggregator', monitorRedis)
for (const connection of [redis, monitorRedis]) {
  logConnectionErrors(connection, log, 'redis connection error')
}

const consumer = createFeedConsumer({
  redis,
  backboneUrl: env.REDIS_URL,
  keys,
  floors: { largeTradeMinUsd: env.LARGE_TRADE_MIN_USD, liquidationMinUsd: env.LIQUIDATION_MIN_USD },
  log,
  metrics,
})
const monitor = createOiMonitor({
  redis: monitorRedis,
  redisUrl: env.REDIS_URL,
  keys,
  exchanges: env.EXCHANGES,
  symbols: env.SYMBOLS,
  pollMs: env.OI_MONITOR_POLL_MS,
  log,
  metrics,
})
const server = await serveMetrics(
  registry,
  env.METRICS_PORT,
  () => redis.status === 'ready' && consumer.consuming()
)
const lagTimer = setInterval(() => {
  consumer.updateLag().catch((err: unknown) => log.debug({ err }, 'lag update failed'))
}, 5_000)
// handle signals before anything that can wait on Redis, so a stop during start-up is honoured
onShutdown(log, async () => {
  clearInterval(lagTimer)
  await consumer.stop()
  await monitor.stop()
  redis.disconnect()
  monitorRedis.disconnect()
  server.close()
})
await consumer.start()
await monitor.start()
log.info({ metrics_port: env.METRICS_PORT }, 'aggregator started')
