import {
  refreshCandleMarkers,
  RETENTION,
  takeCandleMarkers,
  type CandleSeries,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { Interval } from '@takashi/schemas'
import type { IngestorMetrics } from './metrics.ts'

export interface CandleCoverageDeps {
  redis: Redis
  keys: Keys
  symbols: readonly string[]
  intervals: readonly Interval[]
  backfill: {
    fill(
      series: { symbol: string; interval: Interval; since: number | null; known: number | null },
      stillValid: () => boolean
    ): Promise<boolean>
  }
  /** false while a cause of the gap lasts (an exchange connection that went down is not back) */
  canRecover(): boolean
  metrics: IngestorMetrics
  log: Logger
  markerTtlMs?: number
  /** how often markers are renewed and pending gaps retried */
  everyMs?: number
}

/**
 * Owns the claim "this series' candle cache is contiguous" (the marker the gateway trusts). The
 * claim lives only while renewed, so it lapses by itself when this process cannot write. A gap
 * (a failed write, a lost Redis or exchange connection) removes it at once where Redis is
 * reachable; once the cause is gone the gap is backfilled by REST and only then claimed again.
 */
export function createCandleCoverage(deps: CandleCoverageDeps) {
  const { redis, keys, metrics } = deps
  const exchange = metrics.exchange
  const log = deps.log.child({ component: 'candle-coverage' })
  const markerTtlMs = deps.markerTtlMs ?? RETENTION.candlesMarkerTtlMs
  const seriesOf = (symbols: readonly string[]): CandleSeries[] =>
    symbols.flatMap((symbol) => deps.intervals.map((interval) => ({ exchange, symbol, interval })))
  let all: CandleSeries[] = seriesOf(deps.symbols)
  const keyOf = (series: CandleSeries) => `${series.symbol} ${series.interval}`
  /** series to backfill → when their gap began (null: unknown, take the newest page) */
  const gaps = new Map<string, number | null>(all.map((series) => [keyOf(series), null]))
  /** marker values taken from Redis since the connection last dropped */
  const known = new Map<string, number>()
  /** series this process has marked; a marker of theirs that vanished is a gap */
  const marked = new Set<string>()
  let generation = 0
  let gapOpenedAt: number | undefined
  let running: Promise<void> | undefined
  let taking: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  function updateGauge(): void {
    metrics.uncoveredSeries.set({ exchange }, gaps.size)
  }

  /** Takes (reads and deletes) the markers of gapped series, remembering what they said. */
  function take(): Promise<void> {
    if (taking) return taking.then(take)
    // every gapped series, even one whose value is known: a backfill may have just marked it
    const which = all.filter((series) => gaps.has(keyOf(series)))
    if (which.length === 0 || redis.status !== 'ready') return Promise.resolve()
    taking = takeCandleMarkers(redis, keys, which)
      .then((values) => {
        values.forEach((value, i) => {
          const series = which[i]
          if (value !== null && series) known.set(keyOf(series), value)
        })
      })
      .catch(() => undefined) // the next recovery pass takes them again
      .finally(() => (taking = undefined))
    return taking
  }

  function gap(since: number | null, which: readonly CandleSeries[] = all): void {
    generation++
    gapOpenedAt ??= Date.now()
    for (const series of which) {
      const key = keyOf(series)
      const prev = gaps.get(key)
      const merged =
        prev === undefined ? since : prev === null || since === null ? null : Math.min(prev, since)
      gaps.set(key, merged)
    }
    updateGauge()
    void take()
  }

  async function recover(): Promise<void> {
    const gen = generation
    await take()
    for (const [key, since] of [...gaps]) {
      if (stopped || generation !== gen) return
      const [symbol = '', interval] = key.split(' ') as [string, Interval]
      try {
        const ok = await deps.backfill.fill(
          { symbol, interval, since, known: known.get(key) ?? null },
          () => generation === gen
        )
        if (ok) marked.add(key)
        // a gap opened during the write has taken the marker again, and keeps the series
        if (ok && generation === gen) {
          gaps.delete(key)
          known.delete(key)
        }
      } catch (err) {
        log.warn({ err, symbol, interval }, 'candle backfill failed, will retry')
      }
    }
    updateGauge()
    if (gaps.size === 0 && gapOpenedAt !== undefined) {
      log.info({ duration_ms: Date.now() - gapOpenedAt }, 'candle cache contiguous again')
      gapOpenedAt = undefined
    }
  }

  async function refresh(): Promise<void> {
    const mine = all.filter((series) => marked.has(keyOf(series)))
    try {
      const present = await refreshCandleMarkers(redis, keys, mine, markerTtlMs)
      const lost = mine.filter((_, i) => present[i] === false)
      if (lost.length > 0) {
        log.warn({ series: lost.length }, 'candle coverage markers vanished, backfilling')
        for (const series of lost) marked.delete(keyOf(series))
        gap(null, lost)
      }
    } catch {
      // a failed write: the backbone state reports it, the markers lapse by themselves
    }
  }

  /** Renews the markers, or backfills the pending gaps once their causes are gone. */
  function tick(): void {
    if (stopped || running || redis.status !== 'ready') return
    const work = gaps.size > 0 ? (deps.canRecover() ? recover() : undefined) : refresh()
    if (!work) return
    running = work.finally(() => (running = undefined))
  }

  return {
    gap,
    tick,
    /** forgets marker values taken from a Redis that may have restarted empty since */
    forgetKnown(): void {
      known.clear()
    },
    /** series still waiting for a backfill */
    pending: () => gaps.size,
    /**
     * Follows the served symbols: a new symbol's series wait for a backfill like any gap; a
     * delisted one's are dropped (no more backfills or markers for them).
     */
    setSymbols(symbols: readonly string[]): void {
      const next = seriesOf(symbols)
      const before = new Set(all.map(keyOf))
      const after = new Set(next.map(keyOf))
      for (const key of before) {
        if (after.has(key)) continue
        gaps.delete(key)
        known.delete(key)
        marked.delete(key)
      }
      all = next
      const added = next.filter((series) => !before.has(keyOf(series)))
      if (added.length > 0) gap(null, added)
      else updateGauge()
    },
    start(): void {
      if (timer || stopped) return
      updateGauge()
      tick()
      timer = setInterval(tick, deps.everyMs ?? 2_000)
    },
    async stop(): Promise<void> {
      stopped = true
      clearInterval(timer)
      timer = undefined
      await running
    },
  }
}
