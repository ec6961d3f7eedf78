import type { Ohlc, SpikeTimeframe } from '@takashi/schemas'

/** z-score thresholds of the contract (spec §3). */
export const SPIKE_THRESHOLDS: Record<SpikeTimeframe, number> = { '5m': 3.0, '15m': 2.5, '1h': 2.0 }

/** Points kept per series, and the fewest that make a meaningful mean and deviation. */
export const WINDOW_SIZE = 100
export const MIN_WINDOW = 20

export interface WindowStats {
  mean: number
  stdev: number
  z: number
}

/**
 * Statistics of `value` against the window of closed periods (population deviation), or
 * undefined when the window is too short or flat to say anything.
 */
export function windowStats(window: readonly number[], value: number): WindowStats | undefined {
  if (window.length < MIN_WINDOW) return undefined
  const mean = window.reduce((sum, x) => sum + x, 0) / window.length
  const variance = window.reduce((sum, x) => sum + (x - mean) ** 2, 0) / window.length
  const stdev = Math.sqrt(variance)
  if (!(stdev > 0)) return undefined
  return { mean, stdev, z: (value - mean) / stdev }
}

/**
 * One alert per breakout: an armed series alerts when z crosses the threshold and stays disarmed
 * until z falls back to the threshold or below. Judging the same value against the same window
 * twice never alerts twice, so re-evaluating is always safe.
 */
export function evaluateSpike(
  armed: boolean,
  stats: WindowStats | undefined,
  threshold: number
): { alert: boolean; armed: boolean } {
  if (!stats) return { alert: false, armed }
  const above = stats.z > threshold
  return { alert: armed && above, armed: !above }
}

/** A value of one period: the open interest read, or the candle's volume so far. */
export interface Reading {
  /** open time of the period (ms) */
  period: number
  value: number
  /** exchange time of the value (ms): a spike's `timestamp` */
  at: number
}

export interface SeriesState {
  /** final values of closed periods, oldest first, at most WINDOW_SIZE */
  window: number[]
  /** open time of the newest period in the window */
  last: number | undefined
  /** the open period's latest reading (not in the window) */
  open: Reading | undefined
  armed: boolean
}

export interface Spike {
  reading: Reading
  stats: WindowStats
}

export interface Advance {
  state: SeriesState
  spikes: Spike[]
  /** values that joined the window, oldest first */
  appended: number[]
}

function pushAll(window: readonly number[], values: readonly number[]): number[] {
  return [...window, ...values].slice(-WINDOW_SIZE)
}

/**
 * Starts a series from the exchange's history (closed periods, oldest first). Nothing is
 * published: the current reading is judged only to know whether a breakout is already under
 * way, which then has to end before the series can alert.
 */
export function seedSeries(
  history: readonly Reading[],
  current: Reading | undefined,
  threshold: number
): SeriesState {
  const closed = history.filter((r) => current === undefined || r.period < current.period)
  const window = pushAll(
    [],
    closed.map((r) => r.value)
  )
  const armed = current
    ? evaluateSpike(true, windowStats(window, current.value), threshold).armed
    : true
  return { window, last: closed.at(-1)?.period, open: current, armed }
}

/**
 * Moves a series on: periods that closed since (final values, oldest first) join the window, the
 * watched period's final value and the current reading are judged. Only those two are judged:
 * a period that opened and closed unseen (the monitor was away) is history.
 */
export function advanceSeries(
  state: SeriesState,
  closed: readonly Reading[],
  current: Reading | undefined,
  threshold: number
): Advance {
  let { window, last, armed } = state
  const spikes: Spike[] = []
  const appended: number[] = []
  const judge = (reading: Reading) => {
    const stats = windowStats(window, reading.value)
    const result = evaluateSpike(armed, stats, threshold)
    armed = result.armed
    if (result.alert && stats) spikes.push({ reading, stats })
  }
  for (const reading of closed) {
    if (last !== undefined && reading.period <= last) continue
    if (reading.period === state.open?.period) judge(reading)
    window = pushAll(window, [reading.value])
    appended.push(reading.value)
    last = reading.period
  }
  const open = current && (last === undefined || current.period > last) ? current : undefined
  if (open) judge(open)
  return { state: { window, last, open, armed }, spikes, appended }
}

/**
 * Open interest: the latest reading is the current value; the last reading seen in a period is
 * its close. A reading older than the one already judged (another worker moved on) is ignored.
 */
export function advanceOpenInterest(
  state: SeriesState,
  reading: Reading,
  threshold: number
): Advance {
  const watched = state.open
  if (watched && reading.at < watched.at) return { state, spikes: [], appended: [] }
  const closed = watched && reading.period > watched.period ? [watched] : []
  return advanceSeries(state, closed, reading, threshold)
}

/**
 * Volume from cached candles (oldest first): every candle but the newest is over, whatever its
 * flag says (a newer one exists); the newest is the current value unless it is closed. A
 * candle record carries no event time, so a volume spike's time is its candle's open time.
 */
export function candleReadings(candles: readonly Ohlc[]): {
  closed: Reading[]
  current: Reading | undefined
} {
  const readings = candles.map((c) => ({ period: c.timestamp, value: c.volume, at: c.timestamp }))
  const newest = candles.at(-1)
  if (!newest || newest.closed) return { closed: readings, current: undefined }
  return { closed: readings.slice(0, -1), current: readings.at(-1) }
}
