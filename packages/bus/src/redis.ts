import { Redis, type RedisOptions } from 'ioredis'

export type { Redis }

/** The scheme of a Sentinel backbone's connection string. */
export const SENTINEL_SCHEME = 'redis-sentinel://'

/**
 * A Redis connection to `url`: a redis:// or rediss:// URL, or the Sentinels of a master as
 * `redis-sentinel://[user:password@]host:port,host:port/master` (see @takashi/config backboneUrl).
 * `blocking` connections (BullMQ workers, queue events, XREAD BLOCK, pub/sub subscribers) must
 * retry forever, so they get `maxRetriesPerRequest: null`.
 */
export function createRedis(
  url: string,
  options: RedisOptions & { blocking?: boolean } = {}
): Redis {
  const { blocking, ...rest } = options
  const common: RedisOptions = {
    maxRetriesPerRequest: blocking ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // a master demoted by a failover answers writes with READONLY: reconnect to the new one
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    ...rest,
  }
  if (!url.startsWith(SENTINEL_SCHEME)) return new Redis(url, common)
  return new Redis({ ...sentinelOptions(url), ...common })
}

/** ioredis Sentinel options from a `redis-sentinel://` connection string. */
export function sentinelOptions(url: string): RedisOptions {
  const rest = url.slice(SENTINEL_SCHEME.length)
  const at = rest.lastIndexOf('@')
  const auth = at === -1 ? '' : rest.slice(0, at)
  const [hosts = '', name = 'mymaster'] = rest.slice(at + 1).split('/')
  const colon = auth.indexOf(':')
  const username = colon === -1 ? '' : decodeURIComponent(auth.slice(0, colon))
  const password = colon === -1 ? '' : decodeURIComponent(auth.slice(colon + 1))
  return {
    name,
    sentinels: hosts.split(',').map((address) => {
      const [host = '', port = ''] = address.split(':')
      return { host, port: Number(port) }
    }),
    // follow a failover as soon as the Sentinels announce it, not only when the socket breaks
    failoverDetector: true,
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...(username !== '' && { username }),
    ...(password !== '' && { password }),
  }
}

/**
 * Whether a write just made on `redis` is kept. Only Sentinel deployments can lose one: a master
 * superseded by a failover accepts writes until the Sentinels demote it, then drops them when it
 * copies the new master. So there a write counts once a replica acknowledged it, or, on a master
 * left without replicas, once every Sentinel that answers names this server and none is in the
 * middle of a failover (the Sentinels name the old master until the switch is done). A plain
 * Redis keeps what it acknowledged.
 */
export async function writeKept(redis: Redis, url: string, timeoutMs = 500): Promise<boolean> {
  if (!url.startsWith(SENTINEL_SCHEME)) return true
  const [role, , replicas] = (await redis.call('ROLE')) as [string, number, unknown[]]
  if (role !== 'master') return false
  if (replicas.length > 0 && (await redis.wait(1, timeoutMs)) >= 1) return true
  const socket = redis.stream as { remotePort?: number } | undefined
  return socket?.remotePort !== undefined && (await sentinelsName(url, socket.remotePort))
}

// One connection per Sentinel, kept: a master without replicas asks them on every write.
const sentinelConnections = new Map<string, Redis[]>()

async function sentinelsName(url: string, port: number): Promise<boolean> {
  const options = sentinelOptions(url)
  let connections = sentinelConnections.get(url)
  if (!connections) {
    connections = (options.sentinels ?? []).map((sentinel) => {
      const connection = new Redis({
        host: sentinel.host,
        port: sentinel.port,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      })
      connection.on('error', () => {})
      return connection
    })
    sentinelConnections.set(url, connections)
  }
  const answers = await Promise.all(
    connections.map((connection) =>
      (connection.call('SENTINEL', 'master', options.name ?? '') as Promise<string[]>).catch(
        () => undefined
      )
    )
  )
  const known = answers.filter((answer): answer is string[] => Array.isArray(answer))
  return (
    known.length > 0 &&
    known.every((fields) => {
      const field = (name: string) => fields[fields.indexOf(name) + 1] ?? ''
      return Number(field('port')) === port && !field('flags').includes('failover_in_progress')
    })
  )
}
