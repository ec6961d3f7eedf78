import { createKeys, createRedis } from '@takashi/bus'
import { adapters, urlsFrom, type ExchangeAdapter } from '@takashi/exchanges'
import {
  createLogger,
  createRegistry,
  logConnectionErrors,
  onShutdown,
  serveMetrics,
  trackRedisUp,
} from '@takashi/observability'
import { env, exchangeUrls } from './env.ts'
import { createIngestor } from './ingestor.ts'

const log = createLogger({ service: 'ingestor', level: env.LOG_LEVEL })
// the common adapter type: its URL settings are checked against the env in env.ts
const adapter: ExchangeAdapter | undefined = adapters[env.EXCHANGE]
if (adapter === undefined) throw new Error(`no adapter for ${env.EXCHANGE}`)

const unsupported = env.OHLC_INTERVALS.filter((interval) => !adapter.intervals.includes(interval))
if (unsupported.length > 0) {
  log.warn(
    { exchange: adapter.id, intervals: unsupported },
    'exchange lacks these intervals, dropping them'
  )
}
const intervals = env.OHLC_INTERVALS.filter((interval) => adapter.intervals.includes(interval))

const registry = createRegistry('ingestor')
const redis = createRedis(env.REDIS_URL)
trackRedisUp(registry, 'ingestor', redis)
logConnectionErrors(redis, log, 'redis connection error')

const ingestor = createIngestor({
  adapter,
  urls: urlsFrom(adapter.urlEnv, exchangeUrls),
  // a list, or 'all': every USDT perpetual the exchange lists, refreshed while running
  symbols: env.SYMBOLS,
  intervals,
  largeTradeMinUsd: env.LARGE_TRADE_MIN_USD,
  redis,
  redisUrl: env.REDIS_URL,
  keys: createKeys(),
  log,
  registry,
})
const server = await serveMetrics(registry, env.METRICS_PORT, ingestor.ready)

onShutdown(log, async () => {
  await ingestor.stop()
  server.close()
  redis.disconnect()
})

await ingestor.start()
log.info({ exchange: adapter.id, metrics_port: env.METRICS_PORT }, 'ingestor running')
