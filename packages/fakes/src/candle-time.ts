// Candle boundaries for the fake venues, by interval name (`1m` … `1w`, `1M`), in UTC.

const MINUTE = 60_000
const FIXED_MS: Record<string, number> = {
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '6h': 360 * MINUTE,
  '8h': 480 * MINUTE,
  '12h': 720 * MINUTE,
  '1d': 1440 * MINUTE,
  '3d': 3 * 1440 * MINUTE,
  '1w': 7 * 1440 * MINUTE,
}
/** Every interval name these functions take: the fixed ones, shortest first, then `1M`. */
export const CANDLE_INTERVALS: readonly string[] = [...Object.keys(FIXED_MS), '1M']
/** 1970-01-01 was a Thursday; venues whose weeks start on Monday shift by four days. */
export const MONDAY_WEEKS = 4 * 1440 * MINUTE

/** Length of a fixed interval in ms; undefined for calendar months and unknown names. */
export function fixedIntervalMs(interval: string): number | undefined {
  return FIXED_MS[interval]
}

/** Open time of the candle after the one opening at `openTime` (calendar months for `1M`). */
export function nextCandleOpen(interval: string, openTime: number): number {
  if (interval === '1M') {
    const date = new Date(openTime)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
  }
  return openTime + requireMs(interval)
}

/** Open time of the candle containing `time`; `weekOffset` anchors `1w` (0: Thursdays). */
export function candleOpenAt(interval: string, time: number, weekOffset = 0): number {
  if (interval === '1M') {
    const date = new Date(time)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  }
  const ms = requireMs(interval)
  const offset = interval === '1w' ? weekOffset : 0
  return Math.floor((time - offset) / ms) * ms + offset
}

function requireMs(interval: string): number {
  const ms = FIXED_MS[interval]
  if (ms === undefined) throw new Error(`unknown candle interval ${interval}`)
  return ms
}
