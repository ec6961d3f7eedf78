import { Redis, type RedisOptions } from 'ioredis'

export type { Redis }

/**
 * A Redis connection. `blocking` connections (BullMQ workers, queue events, XREAD BLOCK, pub/sub
 * subscribers) must retry forever, so they get `maxRetriesPerRequest: null`.
 */
export function createRedis(
  url: string,
  options: RedisOptions & { blocking?: boolean } = {}
): Redis {
  const { blocking, ...rest } = options
  return new Redis(url, {
    maxRetriesPerRequest: blocking ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...rest,
  })
}
