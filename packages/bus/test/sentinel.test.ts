import { afterEach, describe, expect, test } from 'vitest'
import { startSentinelGroup, type SentinelGroup } from '@takashi/testing'
import { createRedis, sentinelOptions, type Redis } from '../src/index.ts'

/** The port of the server a connection talks to. */
const servingPort = async (redis: Redis) =>
  Number(((await redis.config('GET', 'port')) as string[])[1])

let group: SentinelGroup | undefined
const connections: Redis[] = []
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.disconnect()
  await group?.stop()
  group = undefined
})

describe('Redis Sentinel (spec §7)', () => {
  test('the connection string names the Sentinels, the master and its credentials', () => {
    expect(sentinelOptions('redis-sentinel://10.0.0.1:26379,sentinel-b:26380/main')).toMatchObject({
      name: 'main',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
      ],
      failoverDetector: true,
    })
    expect(sentinelOptions('redis-sentinel://takashi:s%40cret@h:1/m')).toMatchObject({
      name: 'm',
      username: 'takashi',
      password: 's@cret',
      sentinels: [{ host: 'h', port: 1 }],
    })
  })

  test('a connection follows a failover: writes and pub/sub reach the new master', async () => {
    group = await startSentinelGroup()
    const redis = createRedis(group.url)
    const subscriber = createRedis(group.url, { blocking: true })
    connections.push(redis, subscriber)
    redis.on('error', () => {})
    subscriber.on('error', () => {})
    const received: string[] = []
    subscriber.on('message', (_channel: string, message: string) => received.push(message))
    await subscriber.subscribe('news')

    await redis.set('k', 'before')
    const before = await group.masterPort()
    expect(await servingPort(redis)).toBe(before)

    const after = await group.failover()
    expect(after).not.toBe(before)
    // within the §7 bound: a write lands on the new master, and subscribers hear it
    await expect
      .poll(
        async () => {
          await redis.set('k', 'after').catch(() => undefined)
          await redis.publish('news', 'after').catch(() => 0)
          return received.includes('after') && (await servingPort(redis).catch(() => 0)) === after
        },
        { timeout: 15_000, interval: 200 }
      )
      .toBe(true)
    expect(await redis.get('k')).toBe('after')
  }, 60_000)
})
