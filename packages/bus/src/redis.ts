import { Redis, type RedisOptions } from 'ioredis'

export type { Redis }

const SENTINEL_SCHEME = 'redis-sentinel://'

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
