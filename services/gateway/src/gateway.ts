import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { createRedis, createUniverseFollower, type Keys } from '@takashi/bus'
import type { SymbolsSetting } from '@takashi/config'
import {
  logConnectionErrors,
  throttledWarn,
  trackRedisUp,
  type Logger,
} from '@takashi/observability'
import type { Interval } from '@takashi/schemas'
import { createAccess, type ApiKeysMode } from './access/access.ts'
import { createKeyStore } from './access/api-keys.ts'
import type { CorsOrigins } from './access/browser.ts'
import { createClientAddress } from './access/client-address.ts'
import { createKeyCache } from './access/key-cache.ts'
import { createSharedCounter } from './access/shared-counter.ts'
import { createWsConnections } from './access/ws-connections.ts'
import { createApp } from './app.ts'
import { createCatalog, type ExchangeView } from './catalog.ts'
import { createDrain } from './drain.ts'
import { createFastPath } from './fast-path.ts'
import { createHotCache } from './hot-cache.ts'
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
  /** SYMBOLS: a list, or `all` to serve what each exchange's ingestor serves (its universe) */
  symbols: SymbolsSetting | readonly string[]
  /** how often the universes are re-read besides their change messages; default 30 s */
  universeRefreshMs?: number
  /** candle intervals streamed live (OHLC_INTERVALS) */
  intervals: readonly Interval[]
  fetchTimeoutMs: number
  /** REST requests per client IP and minute across replicas (RATE_LIMIT_PER_MINUTE); 0 or unset: off */
  rateLimitPerMinute?: number
  /** proxies whose X-Forwarded-For names the client (TRUSTED_PROXIES); default: loopback only */
  trustProxy?: string | false
  /** origins whose pages may call the API (CORS_ORIGINS); default `*` */
  corsOrigins?: CorsOrigins
  /** API_KEYS; default off */
  apiKeys?: ApiKeysMode
  /** open WebSockets per client across replicas (WS_MAX_CONNECTIONS_PER_CLIENT); default 50 */
  wsConnectionsPerClient?: number
  /** client messages per second on one WebSocket (WS_MAX_MESSAGES_PER_SECOND); default 20 */
  wsMessagesPerSecond?: number
  /** the REST memory's bounds (tests): bytes kept (64 MiB) and longest trust without a message (1 s) */
  restMemory?: { maxBytes?: number; maxAgeMs?: number }
  /** how often each replica re-reads the API keys it has seen; default 1 s */
  keyRefreshMs?: number
  /** WebSocket limits; the defaults are the production values */
  ws?: {
    maxBufferedBytes?: number
    slowCloseGraceMs?: number
    pingIntervalMs?: number
    maxClients?: number
    /** time a client gets to answer the 1001 close of a stopping gateway */
    shutdownGraceMs?: number
  }
  /** how long a stopping gateway lets requests in flight finish; default 6 s */
  requestDrainMs?: number
  now?: () => number
}

export interface Gateway {
  server: Server
  /** Listens on `port` (0: any free port) and resolves the port taken. */
  listen(port: number): Promise<number>
  /**
   * Drains: /readyz turns 503, requests in flight finish (up to `requestDrainMs`), WebSocket
   * clients are closed with 1001 (terminated after the grace), then the HTTP server, the fetch
   * queues and Redis are closed. Bounded, so a process can exit within 10 s.
   */
  stop(): Promise<void>
}

/** One stateless gateway replica: REST + WebSocket on one HTTP server. */
export function createGateway(options: GatewayOptions): Gateway {
  const { keys, log, registry } = options
  const metrics = createGatewayMetrics(registry)
  const redis = createRedis(options.redisUrl)
  trackRedisUp(registry, 'gateway', redis)
  // The hub re-subscribes itself after a reconnect, so it knows when to fill the gap.
  const subscriber = createRedis(options.redisUrl, { blocking: true, autoResubscribe: false })
  logConnectionErrors(redis, log, 'redis connection error')
  logConnectionErrors(subscriber, log, 'redis subscriber connection error')
  // the REST memory's own subscriber: the hub's connection stays the fan-out's alone
  const hotSubscriber = createRedis(options.redisUrl, { blocking: true, autoResubscribe: false })
  logConnectionErrors(hotSubscriber, log, 'redis subscriber connection error')
  const hotCache = createHotCache({
    subscriber: hotSubscriber,
    log,
    metrics,
    ...options.restMemory,
  })
  const catalog = createCatalog(options)
  const universes = catalog.wholeMarket
    ? createUniverseFollower({
        redis,
        redisUrl: options.redisUrl,
        keys,
        exchanges: [...catalog.exchanges.keys()],
        refreshMs: options.universeRefreshMs,
        onChange: (exchange, symbols) => {
          catalog.setUniverse(exchange, symbols)
          log.info({ exchange, symbols: symbols.size }, 'symbols served changed')
        },
        onError: throttledWarn(log, 'universe read failed'),
      })
    : null
  const drain = createDrain()
  const now = options.now ?? Date.now
  const rateLimitErrors = throttledWarn(
    log,
    'rate limit not shared (redis unavailable); counted per replica'
  )
  const counter = createSharedCounter({ redis, keys, now, onError: rateLimitErrors })
  const wsConnections = createWsConnections({ redis, keys, now, onError: rateLimitErrors })
  const apiKeys = options.apiKeys ?? 'off'
  const keyCache =
    apiKeys === 'off'
      ? null
      : createKeyCache({
          store: createKeyStore(redis, keys, now),
          log,
          refreshMs: options.keyRefreshMs,
          onRevoked: (id) => upgrades.closeKey(id),
        })
  const access = createAccess({
    mode: apiKeys,
    keyCache,
    clientAddress: createClientAddress(options.trustProxy ?? 'loopback'),
    counter,
    limits: {
      restPerMinute: options.rateLimitPerMinute ?? 0,
      wsConnections: options.wsConnectionsPerClient ?? 50,
    },
    onRateLimited: () => metrics.rateLimited.inc(),
  })
  const upstream = createUpstream({
    redisUrl: options.redisUrl,
    keys,
    log,
    timeoutMs: options.fetchTimeoutMs,
  })
  const corsOrigins = options.corsOrigins ?? '*'
  const app = createApp({
    access,
    corsOrigins,
    multiPartTimeoutMs: Math.min(options.fetchTimeoutMs, MULTI_PART_TIMEOUT_MS),
    redis,
    keys,
    log,
    registry,
    metrics,
    catalog,
    upstream,
    hotCache,
    version: takashiVersion(),
    now,
    drain,
    backboneReady: () => redis.status === 'ready' && subscriber.status === 'ready',
  })
  const fastPath = createFastPath({
    catalog,
    hotCache,
    access,
    corsOrigins,
    metrics,
    drain,
    app,
  })
  const server = createServer(
    {
      // a slow client cannot hold a connection by trickling its request
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      // longer than the load balancer keeps idle upstream connections (nginx: 60 s), so the
      // gateway never closes one the balancer is about to reuse
      keepAliveTimeout: 65_000,
    },
    fastPath
  )
  const hub = createHub({ subscriber, log, metrics, ...options.ws })
  const upgrades = handleUpgrades({
    server,
    hub,
    resolveStream: createStreamResolver({ catalog, keys, redis }),
    log,
    access,
    wsConnections,
    corsOrigins,
    messagesPerSecond: options.wsMessagesPerSecond ?? 20,
    now,
    maxClients: options.ws?.maxClients,
    stopping: () => drain.draining,
  })

  return {
    server,
    async listen(port) {
      // the symbols served are known before the first request, unless Redis is not there yet
      await universes?.start()
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, () => {
          server.off('error', reject)
          resolve((server.address() as AddressInfo).port)
        })
      })
    },
    async stop() {
      drain.start()
      // Upgraded sockets keep server.close() waiting, and ws waits 30 s for a peer that never
      // answers the close: the hub terminates those after its grace instead.
      const requestsDone = drain.idle(options.requestDrainMs ?? 6_000)
      await Promise.all([hub.close(), requestsDone])
      upgrades.close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      // Closing the queues waits on Redis; a Redis that is down must not hold the exit.
      await settledWithin(upstream.close(), 1_000)
      keyCache?.close()
      hotCache.close()
      universes?.stop()
      wsConnections.close()
      counter.close()
      subscriber.disconnect()
      hotSubscriber.disconnect()
      redis.disconnect()
    },
  }
}

/** Resolves once `promise` settles or `ms` passed, whichever is first. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([
    promise.then(
      () => {},
      () => {}
    ),
    timeout,
  ]).finally(() => clearTimeout(timer))
}
