import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { createRedis, type Keys } from '@takashi/bus'
import { logConnectionErrors, trackRedisUp, type Logger } from '@takashi/observability'
import type { Interval } from '@takashi/schemas'
import { createApp } from './app.ts'
import { createCatalog, type ExchangeView } from './catalog.ts'
import { createGatewayMetrics } from './metrics.ts'
import { MULTI_PART_TIMEOUT_MS } from './routes/multi.ts'
import { createUpstream } from './upstream.ts'
import { takashiVersion } from './version.ts'
import { createHub } from './ws/hub.ts'
import { createStreamResolver } from './ws/streams.ts'
import { handleUpgrades } from './ws/upgrade.ts'

export interface GatewayOptions {
  redisUrl: string
  keys: Keys
  log: Logger
  registry: Registry
  /** adapters of the enabled exchanges */
  exchanges: readonly ExchangeView[]
  symbols: readonly string[]
  /** candle intervals streamed live (OHLC_INTERVALS) */
  intervals: readonly Interval[]
  fetchTimeoutMs: number
  /** REST requests per client IP and minute across replicas (RATE_LIMIT_PER_MINUTE); 0 or unset: off */
  rateLimitPerMinute?: number
  /** proxies whose X-Forwarded-For names the client (TRUSTED_PROXIES); default: loopback only */
  trustProxy?: string | false
  /** WebSocket limits; the defaults are the production values */
  ws?: {
    maxBufferedBytes?: number
    slowCloseGraceMs?: number
    pingIntervalMs?: number
    maxClients?: number
  }
  now?: () => number
}

export interface Gateway {
  server: Server
  /** Listens on `port` (0: any free port) and resolves the port taken. */
  listen(port: number): Promise<number>
  /** Closes WebSocket clients with 1001, the HTTP server, Redis and the fetch queues. */
  stop(): Promise<void>
}

/** One stateless gateway replica: REST + WebSocket on one HTTP server. */
export function createGateway(options: GatewayOptions): Gateway {
  const { keys, log, registry } = options
  const metrics = createGatewayMetrics(registry)
  const redis = createRedis(options.redisUrl)
  trackRedisUp(registry, 'gateway', redis)
  const subscriber = createRedis(options.redisUrl, { blocking: true })
  logConnectionErrors(redis, log, 'redis connection error')
  logConnectionErrors(subscriber, log, 'redis subscriber connection error')
  const catalog = createCatalog(options)
  const upstream = createUpstream({
    redisUrl: options.redisUrl,
    keys,
    log,
    timeoutMs: options.fetchTimeoutMs,
  })
  const app = createApp({
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    trustProxy: options.trustProxy ?? 'loopback',
    multiPartTimeoutMs: Math.min(options.fetchTimeoutMs, MULTI_PART_TIMEOUT_MS),
    redis,
    keys,
    log,
    registry,
    metrics,
    catalog,
    upstream,
    version: takashiVersion(),
    now: options.now ?? Date.now,
  })
  const server = createServer(app)
  const hub = createHub({ subscriber, log, metrics, ...options.ws })
  const upgrades = handleUpgrades({
    server,
    hub,
    resolveStream: createStreamResolver({ catalog, keys, redis }),
    log,
    maxClients: options.ws?.maxClients,
  })

  return {
    server,
    listen(port) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, () => {
          server.off('error', reject)
          resolve((server.address() as AddressInfo).port)
        })
      })
    },
    async stop() {
      hub.close()
      upgrades.close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await upstream.close()
      subscriber.disconnect()
      redis.disconnect()
    },
  }
}
