import { createKeys } from '@takashi/bus'
import { adapters, type ExchangeAdapter } from '@takashi/exchanges'
import { createLogger, createRegistry, onShutdown } from '@takashi/observability'
import { env } from './env.ts'
import { createGateway } from './gateway.ts'

const log = createLogger({ service: 'gateway', level: env.LOG_LEVEL })
const exchanges: ExchangeAdapter[] = []
for (const name of env.EXCHANGES) {
  const adapter = adapters[name]
  if (adapter) exchanges.push(adapter)
  else log.warn({ exchange: name }, 'exchange has no adapter yet, not served')
}

const gateway = createGateway({
  redisUrl: env.REDIS_URL,
  keys: createKeys(),
  log,
  registry: createRegistry('gateway'),
  exchanges,
  symbols: env.SYMBOLS,
  intervals: env.OHLC_INTERVALS,
  fetchTimeoutMs: env.FETCH_TIMEOUT_MS,
  rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
  trustProxy: env.TRUSTED_PROXIES,
  corsOrigins: env.CORS_ORIGINS,
  apiKeys: env.API_KEYS,
  wsConnectionsPerClient: env.WS_MAX_CONNECTIONS_PER_CLIENT,
  wsMessagesPerSecond: env.WS_MAX_MESSAGES_PER_SECOND,
})
const port = await gateway.listen(env.PORT)
log.info({ port, exchanges: exchanges.map((adapter) => adapter.id) }, 'gateway listening')

onShutdown(log, () => gateway.stop())
