import { setTimeout as sleep } from 'node:timers/promises'
import type { Registry } from 'prom-client'
import { RETENTION, writeUniverse, type Keys, type Redis } from '@takashi/bus'
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
import { createShards } from './shards.ts'
import { chooseUniverse, sameSymbols, type SymbolsChoice, type Universe } from './universe.ts'

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
  /** how often the instrument list is read again for listings and delistings; default 30 min */
  universeEveryMs?: number
  /** least time between opening two sockets; default the venue's (`adapter.limits`) */
  connectSpacingMs?: number
}

export interface IngestorDeps<E extends UrlEnv = UrlEnv> {
  adapter: ExchangeAdapter<E>
  /** the adapter's URL settings: its REST base and WebSocket endpoints */
  urls: NoInfer<UrlsOf<E>>
  /** `SYMBOLS`: a list, or `all` for every USDT perpetual the venue lists as trading */
  symbols: SymbolsChoice
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

/** The instrument list is read again this often: listings start and delistings stop within it. */
export const UNIVERSE_REFRESH_MS = 30 * 60_000

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
  // the symbols served now; parsers and polls read this one set, changed in place on refresh
  const symbols = new Set<string>(deps.symbols === 'all' ? [] : deps.symbols)
  const context = (): RestContext => ({
    receivedAt: Date.now(),
    symbols,
    market,
    learn: market.learn,
  })

  let connections: () => Connection[] = () => []
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

  function reportSkipped(universe: Universe): void {
    metrics.symbolsSkipped.set({ exchange, reason: 'unlisted' }, universe.unlisted.length)
    metrics.symbolsSkipped.set(
      { exchange, reason: 'unrepresentable' },
      universe.unrepresentable.length
    )
    if (universe.unlisted.length > 0)
      log.warn(
        { symbols: universe.unlisted },
        'exchange does not list these symbols, dropping them'
      )
    if (universe.unrepresentable.length > 0)
      log.warn(
        { symbols: universe.unrepresentable },
        'listed perpetuals without a canonical name, skipped'
      )
  }

  function zeroMetrics(): void {
    for (const stream of RECORD_KINDS) metrics.messages.inc({ exchange, stream }, 0)
    for (const kind of BAD_FRAME_KINDS) metrics.badFrames.inc({ exchange, kind }, 0)
    metrics.publishErrors.inc({ exchange }, 0)
    for (const reason of DROP_REASONS) metrics.eventsDropped.inc({ exchange, reason }, 0)
    metrics.eventBuffer.set({ exchange }, 0)
    for (const connection of connections()) {
      metrics.reconnects.inc({ exchange, connection: connection.id }, 0)
      metrics.connected.set({ exchange, connection: connection.id }, 0)
    }
  }

  function lastMessageAt(): Record<string, number> {
    const merged: Record<string, number> = {}
    for (const connection of connections()) {
      for (const [stream, at] of connection.lastMessageAt()) merged[stream] = at
    }
    return merged
  }

  return {
    async start() {
      const info = await loadMarkets()
      if (info === undefined) return
      rest.setBudget(info.restWeightPerMinute)
      let universe = chooseUniverse(deps.symbols, info, (symbol) => adapter.toNative(symbol))
      reportSkipped(universe)
      const tracked = universe.symbols
      symbols.clear()
      for (const symbol of tracked) symbols.add(symbol)
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
      const shards = createShards({
        limits: adapter.limits,
        metrics,
        log,
        ...(timing.connectSpacingMs !== undefined && { connectSpacingMs: timing.connectSpacingMs }),
        create: (spec, connectGate) =>
          createConnection({
            spec,
            connectGate,
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
          }),
      })
      const plan = (served: readonly string[]) =>
        served.length > 0 ? adapter.connections(deps.urls, served, deps.intervals) : []
      shards.apply(plan(tracked))
      connections = shards.connections
      metrics.setOpenConnectionsSource(
        () => shards.connections().filter((connection) => connection.isConnected()).length
      )
      const startPollers = (served: readonly string[]) =>
        createPollers({
          polls: served.length > 0 ? adapter.polls(served) : [],
          rest,
          context,
          publisher,
          metrics,
          log,
          ...(timing.pollSpreadMs !== undefined && { spreadMs: timing.pollSpreadMs }),
          ...(timing.pollEveryMs !== undefined && { everyMs: timing.pollEveryMs }),
        })
      let pollers = startPollers(tracked)
      const publishUniverse = () =>
        writeUniverse(redis, keys, exchange, symbols).then(
          () => backbone.ok(),
          (err: unknown) => {
            log.warn({ err }, 'writing the universe failed; written again once Redis is back')
            backbone.lost(Date.now(), err)
          }
        )
      metrics.symbolsServed.set({ exchange }, symbols.size)

      /** Reads the instrument list again: a new listing starts flowing, a delisted one stops. */
      async function refreshUniverse(): Promise<void> {
        let fresh: Universe
        try {
          const latest = await adapter.rest.loadMarkets(rest, context())
          fresh = chooseUniverse(deps.symbols, latest, (symbol) => adapter.toNative(symbol))
        } catch (err) {
          log.warn({ err }, 'instrument refresh failed, keeping the current symbols')
          return
        }
        reportSkipped(fresh)
        if (!sameSymbols(fresh.symbols, universe.symbols)) {
          const before = new Set(universe.symbols)
          const after = new Set(fresh.symbols)
          const listed = fresh.symbols.filter((symbol) => !before.has(symbol))
          const delisted = universe.symbols.filter((symbol) => !after.has(symbol))
          universe = fresh
          symbols.clear()
          for (const symbol of fresh.symbols) symbols.add(symbol)
          metrics.symbolsServed.set({ exchange }, symbols.size)
          log.info({ listed, delisted, symbols: symbols.size }, 'universe changed')
          shards.apply(plan(fresh.symbols))
          coverage.setSymbols(fresh.symbols)
          await pollers.stop()
          if (abort.signal.aborted) return
          pollers = startPollers(fresh.symbols)
          pollers.start()
        }
        await publishUniverse()
      }
      let refreshTimer: NodeJS.Timeout | undefined
      const scheduleRefresh = () => {
        refreshTimer = setTimeout(() => {
          void refreshUniverse().finally(() => {
            if (!abort.signal.aborted) scheduleRefresh()
          })
        }, timing.universeEveryMs ?? UNIVERSE_REFRESH_MS)
      }
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
        void publishUniverse()
        outbox.kick()
        void heartbeat.beat()
        publisher.restoreLatest().catch((err: unknown) => backbone.lost(Date.now(), err))
        worker.restart().catch((err: unknown) => log.warn({ err }, 'fetch worker restart failed'))
      }
      zeroMetrics()
      stopParts = [
        () => clearTimeout(refreshTimer),
        () => worker.stop(),
        () => pollers.stop(),
        () => coverage.stop(),
        () => backfill.stop(),
        () => shards.stop(),
        () => heartbeat.stop(),
        () => publisher.flush(),
        () => outbox.close(),
        () => backbone.close(),
      ]
      if (abort.signal.aborted) return
      await publishUniverse()
      shards.start()
      pollers.start()
      scheduleRefresh()
      heartbeat.start()
      worker.start()
      coverage.start()
      log.info(
        {
          symbols: tracked.length > 20 ? tracked.length : tracked,
          intervals: deps.intervals,
          connections: shards.connections().length,
        },
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
      redis.status === 'ready' && connections().some((connection) => connection.isConnected()),
  }
}
