import { describe, expect } from 'vitest'
import { createRedis } from '@takashi/bus'
import { redisTest as test } from '@takashi/testing'
import { createSharedCounter, type Take } from './shared-counter.ts'

const NOW = 1_700_000_010_000

describe('shared counter', () => {
  test('far from its limit a client is counted in memory, synced to Redis in batches', async ({
    redis,
    keys,
  }) => {
    const counter = createSharedCounter({ redis, keys, now: () => NOW, syncMs: 60_000 })
    await redis.ping()
    const takes = Array.from({ length: 50 }, () => counter.take('ip:203.0.113.1', 1, 1_200))
    // no Redis round trip: answered synchronously
    expect(takes.every((take) => !(take instanceof Promise))).toBe(true)
    expect((takes.at(-1) as Take).remaining).toBe(1_150)
    expect(await redis.keys(`${keys.prefix}:rate:*`)).toEqual([])
    await counter.flush()
    const [key] = await redis.keys(`${keys.prefix}:rate:*`)
    expect(await redis.get(key!)).toBe('50')
    counter.close()
  })

  test('two replicas together allow the limit, overshooting by at most 5 % per other replica', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const other = createRedis(redisUrl)
    await Promise.all([redis.ping(), other.ping()])
    const one = createSharedCounter({ redis, keys, now: () => NOW, syncMs: 60_000 })
    const two = createSharedCounter({ redis: other, keys, now: () => NOW, syncMs: 60_000 })
    let allowed = 0
    for (let i = 0; i < 300; i++) {
      const take = await (i % 2 === 0 ? one : two).take('ip:203.0.113.1', 1, 100)
      if (take.allowed) allowed++
    }
    expect(allowed).toBeGreaterThanOrEqual(100)
    expect(allowed).toBeLessThanOrEqual(105)
    one.close()
    two.close()
    other.disconnect()
  })

  test('a cost that does not fit is refused and takes nothing', async ({ redis, keys }) => {
    const counter = createSharedCounter({ redis, keys, now: () => NOW })
    await redis.ping()
    expect((await counter.take('key:a', 8, 10)).allowed).toBe(true)
    const refused = await counter.take('key:a', 9, 10)
    expect(refused).toMatchObject({ allowed: false, limit: 10, remaining: 2 })
    expect(refused.resetMs).toBe(30_000)
    expect((await counter.take('key:a', 2, 10)).allowed).toBe(true)
    counter.close()
  })
})
