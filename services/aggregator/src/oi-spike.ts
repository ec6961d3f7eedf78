import type { SpikeTimeframe } from '@takashi/schemas'

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
 * Statistics of `value` against the window of earlier observations (population deviation), or
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
 * until z falls back to the threshold or below, so a breakout that lasts many polls alerts once.
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

export interface Observation {
  /** the period's open time (ms) */
  time: number
  value: number
}

export interface SeriesState {
  /** earlier observations, oldest first, at most WINDOW_SIZE */
  window: number[]
  armed: boolean
}

/**
 * Feeds new observations (oldest first) through the window: each is judged against the points
 * before it, then joins the window. Returns the spikes with their statistics and the new state.
 */
export function observeSeries(
  state: SeriesState,
  observations: readonly Observation[],
  threshold: number
): { spikes: { observation: Observation; stats: WindowStats }[]; state: SeriesState } {
  const window = [...state.window]
  let armed = state.armed
  const spikes: { observation: Observation; stats: WindowStats }[] = []
  for (const observation of observations) {
    const stats = windowStats(window, observation.value)
    const result = evaluateSpike(armed, stats, threshold)
    armed = result.armed
    if (result.alert && stats) spikes.push({ observation, stats })
    window.push(observation.value)
    if (window.length > WINDOW_SIZE) window.shift()
  }
  return { spikes, state: { window, armed } }
}
