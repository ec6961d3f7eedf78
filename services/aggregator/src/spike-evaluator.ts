import { appendToFeed, type Keys, type Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import { INTERVAL_MS, type OISpike, type Ohlc, type OpenInterest } from '@takashi/schemas'
import type { AggregatorMetrics } from './metrics.ts'
import {
  advanceOpenInterest,
  advanceSeries,
  candleReadings,
  seedSeries,
  SPIKE_THRESHOLDS,
  WINDOW_SIZE,
  type Advance,
  type Reading,
  type Spike,
} from './oi-spike.ts'
import { RETRY, type SpikeHistory } from './spike-history.ts'
import { commitSeries, readSeries, type Commit, type Series, type Stored } from './spike-store.ts'

export interface SpikeEvaluatorDeps {
  redis: Redis
  keys: Keys
  history: SpikeHistory
  log: Logger
  metrics: AggregatorMetrics
  now: () => number
}

/** Series seeded at once: each may wait on an ingestor's history fetch. */
const SEED_CONCURRENCY = 32
/** Attempts of a series whose write lost to another evaluation (it re-reads and retries). */
const ATTEMPTS = 3

const seriesId = (s: Series) => [s.exchange, s.symbol, s.timeframe, s.metric].join(':')
const pairId = (s: Pick<Series, 'exchange' | 'symbol'>) => `${s.exchange}:${s.symbol}`

type Outcome = { kind: 'skip' } | { kind: 'commit'; commit: Commit; spikes: Spike[] }

/**
 * Judges many series in a few pipelined round trips: read states, latest open interest and new
 * candles; compute; compare-and-set every changed state; append the spikes of writes that won.
 */
export function createSpikeEvaluator(deps: SpikeEvaluatorDeps) {
  const { redis, keys, history, log, metrics } = deps

  async function readLatestOpenInterest(series: readonly Series[]) {
    const pairs = [...new Map(series.map((s) => [pairId(s), s])).values()]
    const latest = new Map<string, OpenInterest>()
    if (pairs.length === 0) return latest
    const texts = await redis.mget(
      pairs.map((s) => keys.latest('open-interest', s.exchange, s.symbol))
    )
    pairs.forEach((s, i) => {
      const text = texts[i]
      if (text) latest.set(pairId(s), JSON.parse(text) as OpenInterest)
    })
    return latest
  }

  /** Candles newer than each volume series' window (those with a state), oldest first. */
  async function readNewCandles(series: readonly Series[], stored: readonly Stored[]) {
    const pipeline = redis.pipeline()
    const asked: number[] = []
    series.forEach((s, i) => {
      const state = stored[i]?.state
      if (s.metric !== 'volume' || !state) return
      const from = state.last === undefined ? '-inf' : String(state.last + 1)
      const key = keys.candles(s.exchange, s.symbol, s.timeframe)
      pipeline.zrangebyscore(key, from, '+inf', 'LIMIT', 0, WINDOW_SIZE + 1)
      asked.push(i)
    })
    const candles = new Map<number, Ohlc[]>()
    if (asked.length === 0) return candles
    const results = (await pipeline.exec()) ?? []
    asked.forEach((index, n) => {
      const [err, members] = results[n] ?? []
      if (err) throw err
      candles.set(
        index,
        (members as string[]).map((text) => JSON.parse(text) as Ohlc)
      )
    })
    return candles
  }

  function openInterestReading(s: Series, latest: Map<string, OpenInterest>): Reading | undefined {
    const record = latest.get(pairId(s))
    if (!record) return undefined
    const step = INTERVAL_MS[s.timeframe]
    return {
      period: Math.floor(record.timestamp / step) * step,
      value: record.open_interest,
      at: record.timestamp,
    }
  }

  /** A first state from the exchange's history; publishes nothing. */
  async function seed(s: Series, current: Reading | undefined): Promise<Outcome> {
    const threshold = SPIKE_THRESHOLDS[s.timeframe]
    if (s.metric === 'open_interest') {
      if (!current) return { kind: 'skip' }
      const past = await history.openInterest(s.exchange, s.symbol, s.timeframe)
      if (past === RETRY) return { kind: 'skip' }
      const state = seedSeries(past, current, threshold)
      return { kind: 'commit', commit: seedCommit(s, state), spikes: [] }
    }
    const candles = await history.candles(s.exchange, s.symbol, s.timeframe)
    if (candles === RETRY) return { kind: 'skip' }
    const { closed, current: open } = candleReadings(candles)
    const state = seedSeries(closed, open, threshold)
    return { kind: 'commit', commit: seedCommit(s, state), spikes: [] }
  }

  const seedCommit = (s: Series, state: Commit['state']): Commit => ({
    series: s,
    version: '',
    state,
    windowChanged: true,
  })

  function advance(s: Series, stored: Stored, current: Reading | undefined, candles?: Ohlc[]) {
    const state = stored.state
    if (!state) return undefined
    const threshold = SPIKE_THRESHOLDS[s.timeframe]
    if (s.metric === 'open_interest') {
      return current ? advanceOpenInterest(state, current, threshold) : undefined
    }
    const readings = candleReadings(candles ?? [])
    return advanceSeries(state, readings.closed, readings.current, threshold)
  }

  function outcome(s: Series, stored: Stored, result: Advance | undefined): Outcome {
    if (!result || !changed(stored, result)) return { kind: 'skip' }
    const commit: Commit = {
      series: s,
      version: stored.version,
      state: result.state,
      windowChanged: result.appended.length > 0,
    }
    return { kind: 'commit', commit, spikes: result.spikes }
  }

  async function publish(s: Series, spike: Spike): Promise<void> {
    const threshold = SPIKE_THRESHOLDS[s.timeframe]
    const record: Omit<OISpike, 'id'> = {
      exchange: s.exchange,
      symbol: s.symbol,
      timestamp: spike.reading.at,
      received_at: deps.now(),
      timeframe: s.timeframe,
      metric: s.metric,
      value: spike.reading.value,
      mean: spike.stats.mean,
      stdev: spike.stats.stdev,
      z_score: spike.stats.z,
      threshold,
    }
    // the same value judged by two workers is one event
    const id = await appendToFeed(redis, keys, 'oi-spikes', {
      eventId: `${seriesId(s)}:${spike.reading.at}`,
      exchange: s.exchange,
      symbol: s.symbol,
      body: JSON.stringify(record),
    })
    if (id !== null) metrics.spikes.inc({ timeframe: s.timeframe, metric: s.metric })
  }

  /** Commits outcomes in one round trip, publishes the spikes of the writes that won. */
  async function commit(outcomes: readonly Outcome[]): Promise<Series[]> {
    const writes = outcomes.flatMap((o) => (o.kind === 'commit' ? [o] : []))
    const applied = await commitSeries(
      redis,
      keys,
      writes.map((w) => w.commit)
    )
    const lost: Series[] = []
    const published: Promise<void>[] = []
    writes.forEach((write, i) => {
      const s = write.commit.series
      if (!applied[i]) return void lost.push(s)
      for (const spike of write.spikes) published.push(publish(s, spike))
    })
    await Promise.all(published)
    return lost
  }

  // Seeds wait on ingestors' history fetches, so they run apart from judging: a series still
  // seeding never delays the others. One seed per series at a time in this process.
  const seeding = new Map<string, Promise<void>>()
  function startSeeds(series: readonly Series[], latest: Map<string, OpenInterest>): void {
    const fresh = series.filter((s) => !seeding.has(seriesId(s)))
    if (fresh.length === 0) return
    const run = (async () => {
      const outcomes: Outcome[] = []
      await forEachLimit(fresh, SEED_CONCURRENCY, async (s) => {
        try {
          const current = s.metric === 'open_interest' ? openInterestReading(s, latest) : undefined
          outcomes.push(await seed(s, current))
        } catch (err) {
          log.warn({ err, series: seriesId(s) }, 'spike window seed failed')
        }
      })
      // a seed that lost was seeded by another worker meanwhile: nothing to redo
      await commit(outcomes)
    })()
      .catch((err: unknown) => log.warn({ err }, 'spike window seed failed'))
      .finally(() => {
        for (const s of fresh) seeding.delete(seriesId(s))
      })
    for (const s of fresh) seeding.set(seriesId(s), run)
  }

  /** One pass; resolves the series whose write lost to another evaluation. */
  async function pass(series: readonly Series[]): Promise<Series[]> {
    const [stored, latest] = await Promise.all([
      readSeries(redis, keys, series),
      readLatestOpenInterest(series),
    ])
    startSeeds(
      series.filter((_, i) => !stored[i]?.state),
      latest
    )
    const candles = await readNewCandles(series, stored)
    const outcomes: Outcome[] = []
    series.forEach((s, i) => {
      const entry = stored[i]
      if (!entry?.state) return
      try {
        const current = s.metric === 'open_interest' ? openInterestReading(s, latest) : undefined
        outcomes.push(outcome(s, entry, advance(s, entry, current, candles.get(i))))
        metrics.detectorRuns.inc({ timeframe: s.timeframe, metric: s.metric })
      } catch (err) {
        log.warn({ err, series: seriesId(s) }, 'spike evaluation failed')
      }
    })
    return commit(outcomes)
  }

  return {
    /**
     * Judges the series; one another worker moved on meanwhile is re-read and retried. Series
     * without a window start seeding in the background (see `seeded`).
     */
    async evaluate(series: readonly Series[]): Promise<void> {
      let todo = series
      for (let attempt = 0; attempt < ATTEMPTS && todo.length > 0; attempt++) {
        todo = await pass(todo)
      }
    },
    /** Resolves once the seeds started so far have finished. */
    async seeded(): Promise<void> {
      await Promise.all([...seeding.values()])
    },
  }
}

/** True when the new state differs from the stored one, so it must be written. */
function changed(stored: Stored, result: Advance): boolean {
  const before = stored.state
  const after = result.state
  if (!before) return true
  return (
    result.appended.length > 0 ||
    before.armed !== after.armed ||
    before.last !== after.last ||
    before.open?.period !== after.open?.period ||
    before.open?.value !== after.open?.value ||
    before.open?.at !== after.open?.at
  )
}

async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>
): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < items.length) await run(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
