/**
 * Full-jitter exponential backoff: a uniform delay in [0, min(cap, base × 2^(attempt−1))], so
 * many processes reconnecting at once spread out instead of retrying in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; maxMs: number; random?: () => number }
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round((options.random ?? Math.random)() * ceiling)
}

/** A Retry-After header (seconds or an HTTP date) as milliseconds from `now`, or undefined. */
export function parseRetryAfter(
  header: string | string[] | undefined,
  now = Date.now()
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Runs `log` at most once per `everyMs`, passing how many calls were skipped since. */
export function createSampler(everyMs: number, now: () => number = Date.now) {
  let last = -Infinity
  let skipped = 0
  return (log: (skipped: number) => void): void => {
    const at = now()
    if (at - last < everyMs) {
      skipped += 1
      return
    }
    last = at
    log(skipped)
    skipped = 0
  }
}
