import { readHeartbeat, type Keys, type Redis } from '@takashi/bus'
import type { Health } from '@takashi/schemas'
import { waitForRedis } from './backbone.ts'
import type { Catalog } from './catalog.ts'

/** An exchange whose newest message is at least this old is degraded. */
export const STALE_AFTER_MS = 60_000
const PING_TIMEOUT_MS = 1_000

type ExchangeHealth = Health['exchanges'][string]

/** True when Redis answers a PING in time. */
export async function redisReachable(redis: Redis): Promise<boolean> {
  if (!(await waitForRedis(redis))) return false
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)
  })
  try {
    return await Promise.race([redis.ping().then((pong) => pong === 'PONG'), timeout])
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** `/health`: Redis down → `down`; any exchange stale or never seen → `degraded`; else `ok`. */
export async function readHealth(deps: {
  redis: Redis
  keys: Keys
  catalog: Catalog
  now: () => number
}): Promise<Health> {
  const { redis, keys, catalog } = deps
  const names = [...catalog.exchanges.keys()]
  const up = await redisReachable(redis)
  const exchanges: Record<string, ExchangeHealth> = {}
  if (!up) {
    for (const name of names) exchanges[name] = { status: 'down', last_message_age_ms: null }
    return { status: 'down', redis: 'down', exchanges }
  }
  const beats = await Promise.all(names.map((name) => readHeartbeat(redis, keys, name)))
  const now = deps.now()
  names.forEach((name, i) => {
    const last = beats[i]?.lastMessageAt ?? null
    const age = last === null ? null : Math.max(0, now - last)
    const fresh = age !== null && age < STALE_AFTER_MS
    exchanges[name] = { status: fresh ? 'ok' : 'degraded', last_message_age_ms: age }
  })
  const allOk = Object.values(exchanges).every((entry) => entry.status === 'ok')
  return { status: allOk ? 'ok' : 'degraded', redis: 'ok', exchanges }
}
