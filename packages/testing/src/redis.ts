import { randomBytes } from 'node:crypto'
import { test as base } from 'vitest'
import { createKeys, createRedis, type Keys, type Redis } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { dockerReachable } from './docker.ts'

export interface RedisFixtures {
  /**
   * URL of the test Redis: REDIS_URL when set, else a Redis container for this worker where a
   * Docker engine answers, else a private redis-server for this worker
   */
  redisUrl: string
  /** a fresh key prefix for this test, so tests never see each other's data */
  keys: Keys
  /** a connection closed after the test */
  redis: Redis
}

/** The image of the container Redis: the one deploy/ runs. */
export const REDIS_IMAGE = 'redis:7.4-alpine'

export type TestRedisSource = 'external' | 'container' | 'local'

/** Where the test Redis comes from: REDIS_URL, else a container where Docker answers, else local. */
export function testRedisSource(env: NodeJS.ProcessEnv, docker: boolean): TestRedisSource {
  if (env.REDIS_URL) return 'external'
  return docker ? 'container' : 'local'
}

/** Starts the test Redis for one worker: its URL and how to stop it. */
export async function startTestRedis(
  source: TestRedisSource
): Promise<{ url: string; stop(): Promise<void> }> {
  if (source === 'external') return { url: process.env.REDIS_URL!, stop: async () => {} }
  if (source === 'local') {
    const server = await startLocalRedis()
    return { url: server.url, stop: () => server.stop() }
  }
  // loaded only here: the package is large and most machines of this project have no Docker
  const { RedisContainer } = await import('@testcontainers/redis')
  const container = await new RedisContainer(REDIS_IMAGE).start()
  return {
    url: container.getConnectionUrl(),
    stop: async () => {
      await container.stop()
    },
  }
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
      const source = testRedisSource(
        process.env,
        !process.env.REDIS_URL && (await dockerReachable())
      )
      const server = await startTestRedis(source)
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
