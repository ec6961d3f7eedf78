import { randomBytes } from 'node:crypto'
import type { Keys, Redis } from '@takashi/bus'

export interface WsConnectionsOptions {
  redis: Redis
  keys: Keys
  now: () => number
  /** a replica that stops renewing (crashed) frees its clients' slots after this */
  leaseMs?: number
  onError?: (err: unknown) => void
}

// Drops expired members, then adds this one if the client has fewer than the limit.
// Returns {1, count} taken · {0, count} refused.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[2]) then return {0, count} end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, count + 1}
`

/**
 * Open WebSockets per client across every replica: one sorted set per client whose members are
 * this replica's connections, each with a lease this replica renews, so a crashed replica's
 * connections stop counting after `leaseMs` instead of forever.
 */
export function createWsConnections(options: WsConnectionsOptions) {
  const { redis, keys, now } = options
  const leaseMs = options.leaseMs ?? 30_000
  const replica = randomBytes(4).toString('hex')
  const held = new Map<string, string>() // member → client
  let sequence = 0

  async function renew(): Promise<void> {
    if (held.size === 0 || redis.status !== 'ready') return
    const expiry = now() + leaseMs
    const pipeline = redis.pipeline()
    for (const [member, client] of held) {
      const key = keys.wsConnections(client)
      pipeline.zadd(key, 'XX', expiry, member).pexpire(key, leaseMs)
    }
    await pipeline.exec().catch((err: unknown) => options.onError?.(err))
  }
  const timer = setInterval(() => void renew(), Math.max(100, Math.floor(leaseMs / 3)))
  timer.unref()

  return {
    /**
     * Takes a connection slot for `client`: the release function, or null when it already has
     * `limit` open. While Redis fails the connection is let through, uncounted.
     */
    async acquire(client: string, limit: number): Promise<(() => void) | null> {
      const member = `${replica}:${++sequence}`
      const key = keys.wsConnections(client)
      try {
        const at = now()
        const [taken] = (await redis.eval(
          ACQUIRE,
          1,
          key,
          String(at),
          String(limit),
          String(at + leaseMs),
          member,
          String(leaseMs)
        )) as [number, number]
        if (taken !== 1) return null
      } catch (err) {
        options.onError?.(err)
        return () => {}
      }
      held.set(member, client)
      let released = false
      return () => {
        if (released) return
        released = true
        held.delete(member)
        redis.zrem(key, member).catch((err: unknown) => options.onError?.(err))
      }
    },
    close(): void {
      clearInterval(timer)
    },
  }
}

export type WsConnections = ReturnType<typeof createWsConnections>
