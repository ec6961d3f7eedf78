import { describe, expect, it } from 'vitest'
import { publishRecords, type Keys } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { redisTest as test } from '@takashi/testing'
import type { GatewayOptions } from '../src/gateway.ts'
import { trustedProxies } from '../src/access/client-address.ts'
import { metricValue, openInterest, perTest } from './helpers.ts'

const { cleanups, gateway: startReplica } = perTest()
const replica = (
  ctx: { redisUrl: string; keys: Keys },
  rateLimitPerMinute: number,
  overrides: Partial<GatewayOptions> = {}
) => startReplica(ctx, { rateLimitPerMinute, now: () => NOW, ...overrides })

/** 30 s into a minute window, so every request of a test falls in the same window. */
const NOW = 1_700_000_010_000
const PATH = '/binance/open-interest/BTCUSDT'

const status = async (url: string, headers: Record<string, string> = {}) =>
  (await fetch(url, { headers })).status

describe('REST rate limit', () => {
  test('the limit is shared by replicas: the (N+1)th request on another replica is a 429', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
    const one = await replica({ redisUrl, keys }, 3)
    const two = await replica({ redisUrl, keys }, 3)
    for (let i = 0; i < 3; i++) expect(await status(`${one.url}${PATH}`)).toBe(200)

    const limited = await fetch(`${two.url}${PATH}`)
    expect(limited.status).toBe(429)
    // the window ends 30 s after NOW
    expect(limited.headers.get('retry-after')).toBe('30')
    expect(await limited.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringMatching(/more than 3 requests a minute/) as string,
      },
    })
    expect(await metricValue(two.registry, 'takashi_gateway_rate_limited_total')).toBe(1)
    expect(await status(`${one.url}/`)).toBe(429)
    expect(await status(`${one.url}/no-such-route`)).toBe(429)

    // one counter per client and window, which expires on its own; refusals take nothing
    const counters = await redis.keys(`${keys.prefix}:rate:*`)
    expect(counters).toHaveLength(1)
    expect(await redis.get(counters[0]!)).toBe('3')
    expect(await redis.pttl(counters[0]!)).toBeGreaterThan(60_000)

    // probes and metrics are never limited nor counted
    for (const exempt of ['/health', '/livez', '/readyz', '/metrics']) {
      for (let i = 0; i < 5; i++) expect(await status(`${two.url}${exempt}`)).toBe(200)
    }
    expect(await redis.get(counters[0]!)).toBe('3')
  })

  test('a new window starts a new count', async ({ redis, keys, redisUrl }) => {
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
    let now = NOW
    const gateway = await replica({ redisUrl, keys }, 1, { now: () => now })
    expect(await status(`${gateway.url}${PATH}`)).toBe(200)
    expect(await status(`${gateway.url}${PATH}`)).toBe(429)
    now += 30_000
    expect(await status(`${gateway.url}${PATH}`)).toBe(200)
  })

  test('X-Forwarded-For names the client only from a trusted proxy', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
    // the default trusts loopback, where this test's requests come from
    const behindProxy = await replica({ redisUrl, keys }, 1)
    const client = (ip: string) => ({ 'x-forwarded-for': ip })
    expect(await status(`${behindProxy.url}${PATH}`, client('203.0.113.7'))).toBe(200)
    expect(await status(`${behindProxy.url}${PATH}`, client('203.0.113.7'))).toBe(429)
    expect(await status(`${behindProxy.url}${PATH}`, client('203.0.113.8'))).toBe(200)

    // trusting nobody: a forged header does not escape the limit
    const direct = await replica({ redisUrl, keys }, 1, { trustProxy: false })
    expect(await status(`${direct.url}${PATH}`, client('198.51.100.1'))).toBe(200)
    expect(await status(`${direct.url}${PATH}`, client('198.51.100.2'))).toBe(429)
  })

  test('0 turns the limit off', async ({ redis, keys, redisUrl }) => {
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
    const gateway = await replica({ redisUrl, keys }, 0)
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => status(`${gateway.url}${PATH}`))
    )
    expect(new Set(statuses)).toEqual(new Set([200]))
    expect(await redis.keys(`${keys.prefix}:rate:*`)).toEqual([])
  })

  test('with Redis down each replica holds clients to the limit itself, without delaying requests', async ({
    keys,
  }) => {
    const server = await startLocalRedis()
    cleanups.push(() => server.stop())
    const gateway = await replica({ redisUrl: server.url, keys }, 1)
    const client = (ip: string) => ({ 'x-forwarded-for': ip })
    expect(await status(`${gateway.url}/`, client('203.0.113.1'))).toBe(200)
    expect(await status(`${gateway.url}/`, client('203.0.113.1'))).toBe(429)

    await server.stop()
    await expect.poll(() => status(`${gateway.url}/readyz`)).toBe(503)
    for (const [ip, expected] of [
      ['203.0.113.1', 429],
      ['203.0.113.2', 200],
      ['203.0.113.2', 429],
    ] as const) {
      const started = performance.now()
      expect(await status(`${gateway.url}/`, client(ip))).toBe(expected)
      expect(performance.now() - started).toBeLessThan(500)
    }
  })
})

describe('TRUSTED_PROXIES', () => {
  it('accepts names, addresses and CIDR ranges; none trusts nobody', () => {
    expect(trustedProxies.parse('loopback')).toBe('loopback')
    expect(trustedProxies.parse('10.0.0.0/8, uniquelocal,::1')).toBe('10.0.0.0/8, uniquelocal,::1')
    expect(trustedProxies.parse('none')).toBe(false)
  })

  it('refuses anything that is not an address, a range or a range name', () => {
    for (const bad of ['nginx', '10.0.0.0/33', 'loopback/8', '10.0.0.1,', '1.2.3.4/8/1']) {
      expect(trustedProxies.safeParse(bad).success).toBe(false)
    }
  })
})
