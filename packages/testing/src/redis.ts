import { randomBytes } from 'node:crypto'
import { test as base } from 'vitest'
import { createKeys, createRedis, type Keys, type Redis } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'

export interface RedisFixtures {
  /** URL of the test Redis: REDIS_URL when set, else a private redis-server for this worker */
  redisUrl: string
  /** a fresh key prefix for this test, so tests never see each other's data */
  keys: Keys
  /** a connection closed after the test */
  redis: Redis
}

/** A unique key prefix for one test. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`
}

/** vitest `test` with a real Redis: `redisTest('…', async ({ redis, keys, redisUrl }) => …)`. */
export const redisTest = base.extend<RedisFixtures & { redisServerUrl: string }>({
  redisServerUrl: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const external = process.env.REDIS_URL
      if (external) return use(external)
      const server = await startLocalRedis()
      await use(server.url)
      await server.stop()
    },
    { scope: 'worker' },
  ],
  redisUrl: async ({ redisServerUrl }, use) => use(redisServerUrl),
  // eslint-disable-next-line no-empty-pattern
  keys: async ({}, use) => use(createKeys(uniquePrefix())),
  redis: async ({ redisUrl }, use) => {
    const redis = createRedis(redisUrl)
    await use(redis)
    redis.disconnect()
  },
})
