import { setTimeout as sleep } from 'node:timers/promises'
import type { Registry } from 'prom-client'
import { RETENTION, type Keys, type Redis } from '@takashi/bus'
import {
  createMarket,
  type ExchangeAdapter,
  type MarketInfo,
  type RestContext,
  type UrlEnv,
  type UrlsOf,
} from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import type { Interval, RecordKind } from '@takashi/schemas'
import { createBackbone } from './backbone.ts'
import { createBackfill } from './backfill.ts'
import { backoffDelay } from './backoff.ts'
import { createCandleCoverage } from './candle-coverage.ts'
import { createConnection, type Connection, type ConnectionTiming } from './connection.ts'
import type { EventBufferLimits } from './event-buffer.ts'
import { createEventOutbox, DROP_REASONS } from './event-outbox.ts'
import { createFetchWorker } from './fetch-worker.ts'
import { createHeartbeat } from './heartbeat.ts'
import { BAD_FRAME_KINDS, createIngestorMetrics } from './metrics.ts'
import { createPollers } from './pollers.ts'
import { createPublisher } from './publisher.ts'
import { createRestClient, type RestTiming } from './rest-client.ts'

export interface IngestorTiming {
  connection?: Partial<ConnectionTiming>
  rest?: Partial<RestTiming>
  heartbeatMs?: number
  pollSpreadMs?: number
  /** replaces the adapter's poll intervals */
  pollEveryMs?: number
  /** first and longest wait between loadMarkets attempts */
  loadMarketsBaseMs?: number
  loadMarketsMaxMs?: number
  /** candles per series fetched by the start-up backfill */
  backfillLimit?: number
  /** how often candle coverage markers are renewed and pending gaps retried */
  coverageEveryMs?: number
  /** bounds of the in-memory buffer of events waiting for Redis */
  eventBuffer?: EventBufferLimits
}

export interface IngestorDeps<E extends UrlEnv = UrlEnv> {
  adapter: ExchangeAdapter<E>
  /** the adapter's URL settings: its REST base and WebSocket endpoints */
  urls: NoInfer<UrlsOf<E>>
  symbols: readonly string[]
  intervals: readonly Interval[]
  redis: Redis
  /** for the connections that must block (BullMQ worker) */
  redisUrl: string
  keys: Keys
  log: Logger
  registry: Registry
  /** trades at or over this value (USD) are kept through a Redis outage, like liquidations */
  largeTradeMinUsd?: number
  timing?: IngestorTiming
}

export interface Ingestor {
  /** resolves once the exchange's markets are loaded and every loop is running */
  start(): Promise<void>
  stop(): Promise<void>
  /** Redis reachable and at least one exchange connection open */
  ready: () => boolean
}

const RECORD_KINDS: RecordKind[] = ['ohlc', 'trade', 'liquidation', 'open_interest', 'funding_rate']

/** Everything one exchange needs: connections, polls, backfill, heartbeat, fetch worker. */
export function createIngestor<E extends UrlEnv>(deps: IngestorDeps<E>): Ingestor {
  const { adapter, redis, keys, timing = {} } = deps
  const exchange = adapter.id
  const log = deps.log.child({ exchange })
  const metrics = createIngestorMetrics(deps.registry, exchange)
  // the one market this process knows: every fact a frame or REST answer teaches lands here
  const market = createMarket()
  const rest = createRestClient({
    exchange,
    baseUrl: deps.urls.rest,
    redis,
    keys,
    metrics,
    log,
    ...(timing.rest && { timing: timing.rest }),
  })
  const abort = new AbortController()
  let symbols = new Set(deps.symbols)
  const context = (): RestContext => ({
    receivedAt: Date.now(),
    symbols,
    market,
    learn: market.learn,
  })

  let connections: Connection[] = []
  let stopParts: (() => Promise<void> | void)[] = []
  // what re-creates this process' state in Redis; set once the parts exist
  let heal: () => void = () => undefined
  let gap: (at: number) => void = () => undefined

  const backbone = createBackbone({
    redis,
    metrics,
    log,
    onLost: (at) => gap(at),
    onReconnected: () => heal(),
  })
  const outbox = createEventOutbox({
    redis,
    backboneUrl: deps.redisUrl,
    keys,
    metrics,
    log,
    ...(timing.eventBuffer && { limits: timing.eventBuffer }),
    onWritten: () => backbone.ok(),
    onFailed: (at, err) => backbone.lost(at, err),
  })
  const publisher = createPublisher({
    redis,
    keys,
    metrics,
    log,
    outbox,
    backbone,
    ...(deps.largeTradeMinUsd !== undefined && { largeTradeMinUsd: deps.largeTradeMinUsd }),
  })

  async function loadMarkets(): Promise<MarketInfo | undefined> {
    for (let attempt = 1; !abort.signal.aborted; attempt++) {
      try {
        return await adapter.rest.loadMarkets(rest, context())
      } catch (err) {
        const wait = backoffDelay(attempt, {
          baseMs: timing.loadMarketsBaseMs ?? 1_000,
          maxMs: timing.loadMarketsMaxMs ?? 30_000,
        })
        log.warn({ err, attempt, retry_in_ms: wait }, 'loading markets failed')
        await sleep(wait, undefined, { signal: abort.signal }).catch(() => undefined)
      }
    }
    return undefined
  }

  function zeroMetrics(): void {
    for (const stream of RECORD_KINDS) metrics.messages.inc({ exchange, stream }, 0)
    for (const kind of BAD_FRAME_KINDS) metrics.badFrames.inc({ exchange, kind }, 0)
    metrics.publishErrors.inc({ exchange }, 0)
    for (const reason of DROP_REASONS) metrics.eventsDropped.inc({ exchange, reason }, 0)
    metrics.eventBuffer.set({ exchange }, 0)
    for (const connection of connections) {
      metrics.reconnects.inc({ exchange, connection: connection.id }, 0)
      metrics.connected.set({ exchange, connection: connection.id }, 0)
    }
  }

  function lastMessageAt(): Record<string, number> {
    const merged: Record<string, number> = {}
    for (const connection of connections) {
      for (const [stream, at] of connection.lastMessageAt()) merged[stream] = at
    }
    return merged
  }

  return {
    async start() {
      const info = await loadMarkets()
      if (info === undefined) return
      rest.setBudget(info.restWeightPerMinute)
      const unlisted = deps.symbols.filter((symbol) => !info.symbols.has(symbol))
      if (unlisted.length > 0)
        log.warn({ symbols: unlisted }, 'exchange does not list these symbols, dropping them')
      const tracked = deps.symbols.filter((symbol) => info.symbols.has(symbol))
      symbols = new Set(tracked)
      if (tracked.length === 0) log.error('no tracked symbol is listed on the exchange')

      const backfill = createBackfill({
        adapter,
        rest,
        context,
        redis,
        keys,
        metrics,
        log,
        symbols: tracked,
        intervals: deps.intervals,
        markerTtlMs: RETENTION.candlesMarkerTtlMs,
        ...(timing.backfillLimit !== undefined && { limit: timing.backfillLimit }),
      })
      // exchange connections lost since a gap opened: it is backfilled once they are back
      const down = new Set<string>()
      const coverage = createCandleCoverage({
        redis,
        keys,
        symbols: tracked,
        intervals: deps.intervals,
        backfill,
        canRecover: () => down.size === 0,
        metrics,
        log,
        ...(timing.coverageEveryMs !== undefined && { everyMs: timing.coverageEveryMs }),
      })
      const specs =
        tracked.length > 0 ? adapter.connections(deps.urls, tracked, deps.intervals) : []
      connections = specs.map((spec) =>
        createConnection({
          spec,
          adapter,
          symbols,
          market,
          onRecords: (records) => publisher.publish(records),
          onStatus: (status) => {
            if (status.type === 'disconnected') {
              down.add(status.connId)
              coverage.gap(status.at)
              return
            }
            if (status.downSinceMs === undefined) return
            down.delete(status.connId)
            log.info(
              { conn_id: status.connId, gap_ms: status.at - status.downSinceMs },
              'reconnected, backfilling the gap'
            )
            coverage.gap(status.downSinceMs)
            coverage.tick()
          },
          log,
          metrics,
          ...(timing.connection && { timing: timing.connection }),
        })
      )
      const pollers = createPollers({
        polls: tracked.length > 0 ? adapter.polls(tracked) : [],
        rest,
        context,
        publisher,
        metrics,
        log,
        ...(timing.pollSpreadMs !== undefined && { spreadMs: timing.pollSpreadMs }),
        ...(timing.pollEveryMs !== undefined && { everyMs: timing.pollEveryMs }),
      })
      const heartbeat = createHeartbeat({
        redis,
        keys,
        metrics,
        log,
        lastMessageAt,
        ...(timing.heartbeatMs !== undefined && { everyMs: timing.heartbeatMs }),
        onWritten: () => backbone.ok(),
        onFailed: (at, err) => backbone.lost(at, err),
      })
      const worker = createFetchWorker({
        adapter,
        rest: rest.forClients,
        context,
        redisUrl: deps.redisUrl,
        keys,
        publisher,
        metrics,
        log,
      })
      gap = (at) => coverage.gap(at)
      heal = () => {
        // a Redis that came back may be empty: the connection's markers say nothing any more
        coverage.forgetKnown()
        coverage.tick()
        outbox.kick()
        void heartbeat.beat()
        publisher.restoreLatest().catch((err: unknown) => backbone.lost(Date.now(), err))
        worker.restart().catch((err: unknown) => log.warn({ err }, 'fetch worker restart failed'))
      }
      zeroMetrics()
      stopParts = [
        () => worker.stop(),
        () => pollers.stop(),
        () => coverage.stop(),
        () => backfill.stop(),
        ...connections.map((connection) => () => connection.stop()),
        () => heartbeat.stop(),
        () => publisher.flush(),
        () => outbox.close(),
        () => backbone.close(),
      ]
      if (abort.signal.aborted) return
      for (const connection of connections) connection.start()
      pollers.start()
      heartbeat.start()
      worker.start()
      coverage.start()
      log.info(
        { symbols: tracked, intervals: deps.intervals, connections: specs.length },
        'ingestor started'
      )
    },
    async stop() {
      abort.abort()
      const parts = stopParts
      stopParts = []
      for (const stop of parts) await stop()
    },
    ready: () =>
      redis.status === 'ready' && connections.some((connection) => connection.isConnected()),
  }
}
