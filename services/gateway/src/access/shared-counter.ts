import type { Keys, Redis } from '@takashi/bus'

/** The outcome of taking from a client's allowance in the current window. */
export interface Take {
  allowed: boolean
  limit: number
  remaining: number
  /** ms until the window resets */
  resetMs: number
}

export interface SharedCounterOptions {
  redis: Redis
  keys: Keys
  now: () => number
  windowMs?: number
  /** how often counts taken locally are added to the shared ones */
  syncMs?: number
  /** a request that fails to reach Redis passes; this reports it (throttled by the caller) */
  onError?: (err: unknown) => void
}

// Below this share of its limit a client is counted in memory; above it every request is
// checked against Redis, so the limit itself is exact.
const LOCAL_BELOW = 0.8
// at most this share of a limit is taken locally between two syncs, which bounds how far
// replicas can overshoot together: (replicas − 1) × 5 % of the limit
const LOCAL_SLICE = 0.05

// Adds the counts taken locally, then `cost` only if the total stays within the limit.
// Returns {1, used} taken · {0, used} refused (nothing added but the local counts).
const TAKE = `
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local cost = tonumber(ARGV[2])
if cost > 0 and used + cost > tonumber(ARGV[3]) then return {0, used} end
if cost > 0 then used = redis.call('INCRBY', KEYS[1], cost) end
return {1, used}
`

interface Window {
  start: number
  /** the shared count when this replica last read it */
  seen: number
  /** taken here, not yet added to the shared count */
  pending: number
}

/**
 * Per-client counts per fixed window, shared by every replica through one Redis counter each,
 * without a Redis round trip per request: far from its limit a client is counted in memory and
 * the counts are added to Redis in one pipeline every `syncMs`; near the limit each request is
 * checked atomically. While Redis is away each replica holds clients to the limit on its own; a
 * failed check lets the request pass (the limit protects the service; it must not take it down).
 */
export function createSharedCounter(options: SharedCounterOptions) {
  const { redis, keys, now } = options
  const windowMs = options.windowMs ?? 60_000
  const windows = new Map<string, Window>()

  function windowOf(client: string, start: number): Window {
    let window = windows.get(client)
    if (window === undefined || window.start !== start) {
      window = { start, seen: 0, pending: 0 }
      windows.set(client, window)
    }
    return window
  }

  function outcome(allowed: boolean, limit: number, used: number, start: number, at: number): Take {
    const remaining = Math.max(0, limit - used)
    return { allowed, limit, remaining, resetMs: start + windowMs - at }
  }

  async function exactTake(client: string, window: Window, cost: number, limit: number) {
    const at = now()
    const pending = window.pending
    window.pending = 0
    try {
      const [taken, used] = (await redis.eval(
        TAKE,
        1,
        keys.rateLimit(client, window.start),
        String(pending),
        String(cost),
        String(limit),
        String(windowMs * 2)
      )) as [number, number]
      window.seen = Math.max(window.seen, used)
      return outcome(taken === 1, limit, used, window.start, at)
    } catch (err) {
      options.onError?.(err)
      return outcome(true, limit, window.seen, window.start, at)
    }
  }

  async function sync(): Promise<void> {
    const current = now() - (now() % windowMs)
    const batch: [string, Window, number][] = []
    for (const [client, window] of windows) {
      if (window.start < current) windows.delete(client)
      else if (window.pending > 0) batch.push([client, window, window.pending])
    }
    if (batch.length === 0 || redis.status !== 'ready') return
    const pipeline = redis.pipeline()
    for (const [client, window, pending] of batch) {
      window.pending -= pending
      const key = keys.rateLimit(client, window.start)
      pipeline.incrby(key, pending).pexpire(key, windowMs * 2)
    }
    const replies = await pipeline.exec().catch((err: unknown) => {
      options.onError?.(err)
      return null
    })
    batch.forEach(([, window, pending], index) => {
      const [error, used] = replies?.[index * 2] ?? [new Error('no reply'), null]
      if (error)
        window.pending += pending // counted again at the next sync
      else window.seen = Math.max(window.seen, Number(used))
    })
  }

  const syncMs = options.syncMs ?? 100
  let syncing = false
  const timer = setInterval(() => {
    if (syncing) return
    syncing = true
    void sync().finally(() => {
      syncing = false
    })
  }, syncMs)
  timer.unref()

  return {
    /** Takes `cost` from `client`'s allowance of `limit` in this window, if it has that much. */
    take(client: string, cost: number, limit: number): Take | Promise<Take> {
      const at = now()
      const start = at - (at % windowMs)
      const window = windowOf(client, start)
      const estimate = window.seen + window.pending + cost
      if (redis.status !== 'ready') {
        // Redis away: this replica alone still holds the client to its limit
        options.onError?.(new Error(`redis ${redis.status}`))
        if (estimate > limit) return outcome(false, limit, estimate - cost, start, at)
        window.pending += cost
        return outcome(true, limit, estimate, start, at)
      }
      const local = estimate <= limit * LOCAL_BELOW && window.pending + cost <= limit * LOCAL_SLICE
      if (!local) return exactTake(client, window, cost, limit)
      window.pending += cost
      return outcome(true, limit, estimate, start, at)
    },
    /** Adds every local count to Redis now (tests, shutdown). */
    flush: sync,
    close(): void {
      clearInterval(timer)
    },
  }
}

export type SharedCounter = ReturnType<typeof createSharedCounter>

// a client's policy field is the same on each of its answers: made once per limit
const policies = new Map<number, string>()

/**
 * The `RateLimit-Policy` field of the IETF draft (draft-ietf-httpapi-ratelimit-headers-11): the
 * client's quota `q` per window of `w` seconds.
 */
export function rateLimitPolicy(limit: number): string {
  let policy = policies.get(limit)
  if (policy === undefined) {
    if (policies.size > 1_000) policies.clear()
    policies.set(limit, (policy = `"default";q=${limit};w=60`))
  }
  return policy
}

/** The draft's `RateLimit` field: `r` requests left, `t` seconds until the window resets. */
export function rateLimitField(take: Take): string {
  return `"default";r=${take.remaining};t=${Math.max(0, Math.ceil(take.resetMs / 1000))}`
}

/** The two rate-limit fields of a take, as headers. */
export function rateHeaders(take: Take): Record<string, string> {
  return { RateLimit: rateLimitField(take), 'RateLimit-Policy': rateLimitPolicy(take.limit) }
}
