import { isIP } from 'node:net'
import type { RequestHandler } from 'express'
import { z } from 'zod'
import type { Keys, Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import { ApiError } from './errors.ts'
import type { GatewayMetrics } from './metrics.ts'

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal']

/** express `trust proxy`: addresses, CIDR ranges or names (comma list); `none` trusts nobody. */
export const trustedProxies = z
  .string()
  .trim()
  .refine(
    (text) =>
      text === 'none' ||
      text.split(',').every((item) => {
        const [address = '', bits, ...rest] = item.trim().split('/')
        const family = isIP(address)
        if (PROXY_NAMES.includes(address)) return bits === undefined
        const maxBits = family === 4 ? 32 : 128
        return (
          family !== 0 &&
          rest.length === 0 &&
          (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits))
        )
      }),
    `expected 'none' or a comma list of IP addresses, CIDR ranges or ${PROXY_NAMES.join(', ')}`
  )
  .transform((text) => (text === 'none' ? (false as const) : text))

/** Routes orchestrators and Prometheus call; never limited. */
const EXEMPT = new Set(['/health', '/metrics', '/livez', '/readyz'])
const WINDOW_MS = 60_000
/** A Redis outage would otherwise log once per request. */
const FAIL_OPEN_LOG_EVERY_MS = 30_000

/**
 * A per-client REST limit shared by every replica: one counter per client IP and minute in
 * Redis (one round trip: INCR + PEXPIRE in a MULTI). Over the limit: 429 with Retry-After. While
 * Redis is down or failing, requests pass (logged): the limit protects the service, it must not
 * take it down. The client IP is `req.ip`, so X-Forwarded-For counts only via `trust proxy`.
 */
export function rateLimit(deps: {
  redis: Redis
  keys: Keys
  log: Logger
  metrics: GatewayMetrics
  perMinute: number
  now: () => number
}): RequestHandler {
  const { redis, keys, perMinute, metrics } = deps
  let lastFailLog = -Infinity
  // before the first connection, commands wait in the offline queue (start-up); after it, an
  // outage must not make every request wait through the reconnect attempts
  let connectedOnce = redis.status === 'ready'
  redis.once('ready', () => {
    connectedOnce = true
  })
  const failOpen = (reason: string, err?: unknown) => {
    const now = Date.now()
    if (now - lastFailLog < FAIL_OPEN_LOG_EVERY_MS) return
    lastFailLog = now
    deps.log.warn({ err }, `rate limit not checked (${reason}), requests let through`)
  }
  return (req, res, next) => {
    if (perMinute <= 0 || EXEMPT.has(req.path)) return next()
    if (connectedOnce && redis.status !== 'ready') {
      failOpen(`redis ${redis.status}`)
      return next()
    }
    const now = deps.now()
    const windowStart = now - (now % WINDOW_MS)
    const key = keys.rateLimit(req.ip ?? 'unknown', windowStart)
    redis
      .multi()
      .incr(key)
      .pexpire(key, WINDOW_MS * 2)
      .exec()
      .then((replies) => {
        const [error, count] = replies?.[0] ?? [new Error('no reply to INCR'), 0]
        if (error) throw error
        return Number(count)
      })
      // next() is called outside the Redis promise chain's catch, so it never runs twice
      .then(
        (count) => {
          if (count <= perMinute) return next()
          metrics.rateLimited.inc()
          const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000))
          res.set('Retry-After', String(retryAfter))
          next(
            new ApiError(
              429,
              'rate_limited',
              `more than ${perMinute} requests a minute; retry in ${retryAfter} s`
            )
          )
        },
        (err: unknown) => {
          failOpen('redis error', err)
          next()
        }
      )
  }
}
