/**
 * Counts per key in fixed windows, in this process only: for limits one replica enforces by
 * itself (messages on one connection, history replays a replica performs).
 */
export function createFixedWindows(limit: number, windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>()
  return {
    /** Counts one for `key`: 0 when allowed, else the ms until its window resets. */
    take(key: string): number {
      const at = now()
      const start = at - (at % windowMs)
      let window = windows.get(key)
      if (window === undefined || window.start !== start) {
        // old windows go when their key comes back, and all of them when the map grows large
        if (windows.size > 10_000) windows.clear()
        window = { start, count: 0 }
        windows.set(key, window)
      }
      if (window.count >= limit) return start + windowMs - at
      window.count++
      return 0
    },
  }
}
