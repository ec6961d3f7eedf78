import {
  cacheCandles,
  markCandlesFrom,
  readLatestCandle,
  RETENTION,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { CandleRequest, ExchangeAdapter, RestContext, RestClient } from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import { INTERVAL_MS, type Interval } from '@takashi/schemas'
import type { IngestorMetrics } from './metrics.ts'

export interface BackfillDeps {
  adapter: Pick<ExchangeAdapter, 'id' | 'rest'>
  rest: RestClient
  context(): RestContext
  redis: Redis
  keys: Keys
  metrics: IngestorMetrics
  log: Logger
  symbols: readonly string[]
  intervals: readonly Interval[]
  /** candles fetched per series at start (and when a gap is longer than this) */
  limit?: number
  /** lifetime of a coverage marker this backfill sets (renewed by the candle coverage) */
  markerTtlMs?: number
}

/** What a backfill of one series knows: where its gap starts and where coverage began. */
export interface GapPlan {
  symbol: string
  interval: Interval
  limit: number
  /** when candles may have started to go missing, or null when unknown (start, lost marker) */
  since: number | null
  /** open time the series' cache was contiguous from before the gap, or null */
  known: number | null
  now: number
}

/**
 * The REST request that closes a gap: from the candle open when it began when the cache reached
 * back that far and the gap fits one page, else the newest page.
 */
export function planBackfill(plan: GapPlan): CandleRequest {
  const request: CandleRequest = { symbol: plan.symbol, interval: plan.interval, limit: plan.limit }
  if (plan.since === null || plan.known === null) return request
  const step = INTERVAL_MS[plan.interval]
  const openTime = Math.floor(plan.since / step) * step
  if (plan.known > openTime) return request
  const missing = Math.ceil((plan.now - openTime) / step) + 1
  if (missing > plan.limit) return request
  return { ...request, limit: Math.max(1, missing), start_time: openTime }
}

export type BackfillReason = 'start' | 'reconnect'

/**
 * Fills the candle cache by REST: the newest `limit` candles at start, the gap since the newest
 * cached candle after a reconnect; then marks the cache contiguous so the gateway serves it.
 */
export function createBackfill(deps: BackfillDeps) {
  const { adapter, redis, keys, metrics } = deps
  const exchange = adapter.id
  const limit = deps.limit ?? 1_000
  const markerTtlMs = deps.markerTtlMs ?? RETENTION.candlesTtlMs
  const log = deps.log.child({ component: 'backfill' })
  let running: Promise<void> | undefined
  let again = false
  let pendingSince: number | undefined
  let stopped = false

  async function requestFor(
    symbol: string,
    interval: Interval,
    reason: BackfillReason,
    downSince?: number
  ) {
    const request: CandleRequest = { symbol, interval, limit }
    if (reason === 'start') return request
    const step = INTERVAL_MS[interval]
    let openTime: number
    if (downSince !== undefined) {
      // from the candle that was open when the connection went down: live candles that arrive
      // after the reconnect must not hide the gap
      openTime = Math.floor(downSince / step) * step
    } else {
      const latest = await readLatestCandle(redis, keys, { exchange, symbol, interval })
      if (latest === null) return request
      openTime = (JSON.parse(latest) as { timestamp: number }).timestamp
    }
    const missing = Math.ceil((Date.now() - openTime) / step) + 1
    // a gap longer than one page cannot be made contiguous: take the newest page instead
    if (missing > limit) return request
    return { ...request, limit: Math.max(1, missing), start_time: openTime }
  }

  async function series(
    symbol: string,
    interval: Interval,
    reason: BackfillReason,
    downSince?: number
  ): Promise<void> {
    const request = await requestFor(symbol, interval, reason, downSince)
    const candles = await adapter.rest.candles(deps.rest, request, deps.context())
    const first = candles[0]
    if (first === undefined) return
    await cacheCandles(redis, keys, candles)
    let from = first.timestamp
    if (request.start_time !== undefined) {
      // the cache was contiguous up to the newest cached candle, and now past it
      const known = await redis.get(keys.candlesFrom(exchange, symbol, interval))
      if (known !== null && Number(known) <= from) from = Number(known)
    }
    await markCandlesFrom(redis, keys, { exchange, symbol, interval }, from, markerTtlMs)
  }

  async function runOnce(reason: BackfillReason, downSince?: number): Promise<void> {
    for (const symbol of deps.symbols) {
      for (const interval of deps.intervals) {
        if (stopped) return
        try {
          await series(symbol, interval, reason, downSince)
          metrics.backfills.inc({ exchange, outcome: 'ok' })
        } catch (err) {
          metrics.backfills.inc({ exchange, outcome: 'error' })
          log.warn({ err, symbol, interval, reason }, 'candle backfill failed')
        }
      }
    }
  }

  return {
    /**
     * Closes the gap of one series by REST and caches the candles; when `stillValid()` holds at
     * the moment of writing, marks the series contiguous in the same transaction. Returns
     * whether it marked it.
     */
    async fill(
      series: { symbol: string; interval: Interval; since: number | null; known: number | null },
      stillValid: () => boolean
    ): Promise<boolean> {
      const request = planBackfill({ ...series, limit, now: Date.now() })
      try {
        const candles = await adapter.rest.candles(deps.rest, request, deps.context())
        const first = candles[0]
        if (first === undefined) return false
        let from = first.timestamp
        if (request.start_time !== undefined && series.known !== null && series.known <= from) {
          from = series.known
        }
        const marked = stillValid() && !stopped
        await cacheCandles(redis, keys, candles, marked ? { from, ttlMs: markerTtlMs } : undefined)
        metrics.backfills.inc({ exchange, outcome: 'ok' })
        return marked
      } catch (err) {
        metrics.backfills.inc({ exchange, outcome: 'error' })
        throw err
      }
    },
    /** runs a backfill; a call while one runs makes it go once more afterwards (as a reconnect) */
    run(reason: BackfillReason, downSince?: number): Promise<void> {
      if (running) {
        again = true
        if (downSince !== undefined) pendingSince = Math.min(pendingSince ?? downSince, downSince)
        return running
      }
      running = (async () => {
        let next = reason
        let since = downSince
        do {
          again = false
          await runOnce(next, since)
          next = 'reconnect'
          since = pendingSince
          pendingSince = undefined
        } while (again && !stopped)
      })().finally(() => {
        running = undefined
      })
      return running
    },
    async stop(): Promise<void> {
      stopped = true
      await running
    },
  }
}
