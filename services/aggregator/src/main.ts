import { createKeys } from '@takashi/bus'
import { createLogger, createRegistry, onShutdown, serveMetrics } from '@takashi/observability'
import { createAggregator } from './aggregator.ts'
import { env } from './env.ts'

const log = createLogger({ service: 'aggregator', level: env.LOG_LEVEL })
const registry = createRegistry('aggregator')
const aggregator = createAggregator({
  redisUrl: env.REDIS_URL,
  keys: createKeys(),
  log,
  registry,
  exchanges: env.EXCHANGES,
  symbols: env.SYMBOLS,
  floors: { largeTradeMinUsd: env.LARGE_TRADE_MIN_USD, liquidationMinUsd: env.LIQUIDATION_MIN_USD },
  pollMs: env.OI_MONITOR_POLL_MS,
})
const server = await serveMetrics(registry, env.METRICS_PORT, aggregator.ready)
// handle signals before anything that can wait on Redis, so a stop during start-up is honoured
onShutdown(log, async () => {
  await aggregator.stop()
  server.close()
})
await aggregator.start()
log.info({ metrics_port: env.METRICS_PORT }, 'aggregator started')
