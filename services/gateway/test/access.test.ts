import { describe, expect, it } from 'vitest'
import { publishRecords } from '@takashi/bus'
import { redisTest as test } from '@takashi/testing'
import { createKeyStore } from '../src/access/api-keys.ts'
import { addressIdentity, createClientAddress } from '../src/access/client-address.ts'
import { connect, openInterest, perTest, refusedUpgrade, type TestClient } from './helpers.ts'

const { cleanups, gateway: replica } = perTest()

const PATH = '/binance/open-interest/BTCUSDT'
// the REST limit counts per wall-clock minute: tests that count requests hold their gateway's
// clock 30 s into a minute, so a window boundary never falls between two of their requests
const NOW = () => 1_700_000_010_000

const status = async (url: string, headers: Record<string, string> = {}) =>
  (await fetch(url, { headers })).status

describe('CORS and security headers', () => {
  test('a preflight from another origin is answered 204 with GET and X-API-Key allowed', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    const gateway = await replica(ctx)
    const preflight = await fetch(`${gateway.url}${PATH}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://desk.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-api-key',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'x-api-key'
    )
    // the docs page is a document: helmet's page defaults, its own files only
    const docs = await fetch(`${gateway.url}/docs`)
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(docs.headers.get('x-frame-options')).toBe('SAMEORIGIN')
  })

  test('every answer carries CORS and security headers, errors included', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    await publishRecords(ctx.redis, ctx.keys, [{ kind: 'open_interest', record: openInterest() }])
    const gateway = await replica(ctx, { rateLimitPerMinute: 1, now: NOW })
    const origin = { origin: 'https://desk.example.com' }
    for (const [path, expected] of [
      [PATH, 200],
      ['/no-such-route', 429],
      ['/health', 200],
    ] as const) {
      const answer = await fetch(`${gateway.url}${path}`, { headers: origin })
      expect(answer.status).toBe(expected)
      expect(answer.headers.get('access-control-allow-origin')).toBe('*')
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
      expect(answer.headers.get('x-frame-options')).toBe('DENY')
      expect(answer.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none'"
      )
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer')
    }
    const limited = await fetch(`${gateway.url}${PATH}`, { headers: origin })
    expect(limited.headers.get('access-control-expose-headers')).toBe(
      'Retry-After,RateLimit,RateLimit-Policy,ETag'
    )
    // only a cross-origin request reads the list: others go without its bytes
    const direct = await fetch(`${gateway.url}/`)
    expect(direct.headers.get('access-control-expose-headers')).toBeNull()
    expect(direct.headers.get('access-control-allow-origin')).toBe('*')
  })

  test('with a list of origins only those are allowed, for REST and WebSockets', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    const gateway = await replica(ctx, { corsOrigins: ['https://desk.example.com'] })
    const allowed = await fetch(`${gateway.url}/`, {
      headers: { origin: 'https://desk.example.com' },
    })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://desk.example.com')
    expect(allowed.headers.get('vary')).toContain('Origin')
    const other = await fetch(`${gateway.url}/`, { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()

    const refused = await refusedUpgrade(`${gateway.wsUrl}/ws`, { origin: 'https://evil.example' })
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ error: { code: 'forbidden' } })
    const page = await connect(`${gateway.wsUrl}/ws`, { origin: 'https://desk.example.com' })
    page.ws.close()
    // no Origin: not a browser page, not subject to CORS
    const script = await connect(`${gateway.wsUrl}/ws`)
    script.ws.close()
  })
})

describe('client identity', () => {
  it('groups IPv6 addresses by /64 and keeps IPv4 as is', () => {
    expect(addressIdentity('203.0.113.7')).toBe('ip:203.0.113.7')
    expect(addressIdentity('2001:db8:1:2:aaaa::1')).toBe('ip:2001:db8:1:2::/64')
    expect(addressIdentity('2001:db8:1:2::ffff')).toBe('ip:2001:db8:1:2::/64')
    expect(addressIdentity('2001:0db8:0001:0003::1')).toBe('ip:2001:db8:1:3::/64')
  })

  it('believes only the X-Forwarded-For hop a trusted proxy added', () => {
    const address = createClientAddress('10.0.0.0/8')
    const request = (peer: string, forwarded?: string) => ({
      socket: { remoteAddress: peer } as never,
      headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    })
    expect(address(request('10.1.2.3', '1.1.1.1, 203.0.113.7'))).toBe('203.0.113.7')
    expect(address(request('10.1.2.3', '2.2.2.2, 203.0.113.7'))).toBe('203.0.113.7')
    expect(address(request('10.1.2.3'))).toBe('10.1.2.3')
    expect(address(request('10.1.2.3', 'not-an-ip'))).toBe('10.1.2.3')
    // a client that is not a trusted proxy cannot name anyone
    expect(address(request('198.51.100.9', '203.0.113.7'))).toBe('198.51.100.9')
    expect(address(request('::ffff:198.51.100.9', '203.0.113.7'))).toBe('198.51.100.9')
  })
})

describe('API keys', () => {
  test('required: no key 401, a created key 200 until revoked, then 401 on every replica and its WebSockets closed 1008', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    await publishRecords(ctx.redis, ctx.keys, [{ kind: 'open_interest', record: openInterest() }])
    const options = { apiKeys: 'required', keyRefreshMs: 200 } as const
    const one = await replica(ctx, options)
    const two = await replica(ctx, options)
    const missing = await fetch(`${one.url}${PATH}`)
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ error: { code: 'unauthorized' } })
    for (const open of ['/health', '/livez', '/readyz'])
      expect(await status(`${one.url}${open}`)).toBe(200)
    expect((await refusedUpgrade(`${one.wsUrl}/ws`)).status).toBe(401)

    const store = createKeyStore(ctx.redis, ctx.keys)
    const created = await store.create({ name: 'desk' })
    const withKey = { 'x-api-key': created.key }
    expect(await status(`${one.url}${PATH}`, withKey)).toBe(200)
    expect(await status(`${two.url}${PATH}`, withKey)).toBe(200)
    expect(await status(`${one.url}${PATH}`, { 'x-api-key': 'tk_unknown' })).toBe(401)
    const socket = await connect(`${two.wsUrl}/ws?api_key=${created.key}`)
    const headerSocket = await connect(`${one.wsUrl}/ws`, withKey)

    // the key is stored hashed, never as itself
    const stored = JSON.stringify(await ctx.redis.hgetall(ctx.keys.apiKeys))
    expect(stored).not.toContain(created.key)

    await store.revoke(created.id)
    await expect.poll(() => status(`${one.url}${PATH}`, withKey), { timeout: 5_000 }).toBe(401)
    await expect.poll(() => status(`${two.url}${PATH}`, withKey), { timeout: 5_000 }).toBe(401)
    expect((await socket.closed).code).toBe(1008)
    expect((await headerSocket.closed).code).toBe(1008)
  })

  test('optional: no key is limited by IP, a key by its own limit, an unknown key is 401', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    await publishRecords(ctx.redis, ctx.keys, [{ kind: 'open_interest', record: openInterest() }])
    const gateway = await replica(ctx, { apiKeys: 'optional', rateLimitPerMinute: 2, now: NOW })
    const created = await createKeyStore(ctx.redis, ctx.keys).create({ name: 'bot', rpm: 4 })
    const withKey = { 'x-api-key': created.key }
    expect(await status(`${gateway.url}${PATH}`)).toBe(200)
    expect(await status(`${gateway.url}${PATH}`)).toBe(200)
    expect(await status(`${gateway.url}${PATH}`)).toBe(429)
    for (let i = 0; i < 4; i++) expect(await status(`${gateway.url}${PATH}`, withKey)).toBe(200)
    const over = await fetch(`${gateway.url}${PATH}`, { headers: withKey })
    expect(over.status).toBe(429)
    expect(over.headers.get('ratelimit-policy')).toBe('"default";q=4;w=60')
    expect(over.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/)
    expect(await status(`${gateway.url}${PATH}`, { 'x-api-key': 'tk_nope' })).toBe(401)
  })

  test('off: keys are ignored', async ({ redis, keys, redisUrl }) => {
    const ctx = { redis, keys, redisUrl }
    const gateway = await replica(ctx)
    expect(await status(`${gateway.url}/`, { 'x-api-key': 'anything' })).toBe(200)
  })
})

describe('limits across replicas', () => {
  test('a request that asks the exchange costs 10', async ({ redis, keys, redisUrl }) => {
    const ctx = { redis, keys, redisUrl }
    // no ingestor answers: the miss waits for its fetch job and times out, but it was charged
    const gateway = await replica(ctx, { rateLimitPerMinute: 12, fetchTimeoutMs: 200, now: NOW })
    const miss = await fetch(`${gateway.url}${PATH}`)
    expect(miss.status).toBe(504)
    const after = await fetch(`${gateway.url}/`)
    expect(after.status).toBe(200)
    expect(after.headers.get('ratelimit')).toMatch(/^"default";r=1;t=\d+$/)
    const second = await fetch(`${gateway.url}${PATH}`)
    expect(second.status).toBe(429)
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  test('the 51st WebSocket of one client is refused with 429, whichever replica it reaches', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    // the default WS_MAX_CONNECTIONS_PER_CLIENT: 50
    const one = await replica(ctx)
    const two = await replica(ctx)
    const open: TestClient[] = []
    for (let i = 0; i < 50; i++) {
      const gateway = i % 2 === 0 ? one : two
      open.push(
        await connect(`${gateway.wsUrl}${i % 3 === 0 ? '/ws/binance/BTCUSDT/trades' : '/ws'}`)
      )
    }
    cleanups.push(() => open.forEach((client) => client.ws.terminate()))
    const refused = await refusedUpgrade(`${two.wsUrl}/ws`)
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({
      error: {
        code: 'rate_limited',
        message: expect.stringContaining('50 open WebSockets') as string,
      },
    })
    expect(refused.retryAfter).toMatch(/^\d+$/)
    expect((await refusedUpgrade(`${one.wsUrl}/ws`)).status).toBe(429)

    // a closed connection frees its slot
    open[0]!.ws.close()
    await open[0]!.closed
    await expect
      .poll(async () => {
        const client = await connect(`${two.wsUrl}/ws`).catch(() => null)
        client?.ws.close()
        return client !== null
      })
      .toBe(true)
  })

  test('a /ws connection sending more messages a second than allowed is closed with 1008', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const ctx = { redis, keys, redisUrl }
    const gateway = await replica(ctx, { wsMessagesPerSecond: 5 })
    const client = await connect(`${gateway.wsUrl}/ws`)
    for (let i = 0; i < 50; i++) client.ws.send(JSON.stringify({ op: 'unsubscribe', id: `s${i}` }))
    const closed = await client.closed
    expect(closed.code).toBe(1008)
    // at most the allowed messages were answered before the close (twice that when a second
    // boundary fell among the 50)
    expect(client.messages.length).toBeLessThanOrEqual(10)
  })

  test('since_id replays are bounded per client', async ({ redis, keys, redisUrl }) => {
    const ctx = { redis, keys, redisUrl }
    const gateway = await replica(ctx, { now: NOW })
    const resume = `${gateway.wsUrl}/ws/liquidations?since_id=0-0`
    const clients = []
    for (let i = 0; i < 10; i++) clients.push(await connect(resume))
    const refused = await refusedUpgrade(resume)
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringContaining('since_id') as string },
    })
    // the same on the multiplexed protocol
    const mux = await connect(`${gateway.wsUrl}/ws`)
    mux.ws.send(JSON.stringify({ op: 'subscribe', id: 'a', path: '/ws/liquidations?since_id=0-0' }))
    await expect.poll(() => mux.messages.join('')).toContain('rate_limited')
    for (const client of [...clients, mux]) client.ws.close()
  })
})

describe('pnpm keys', () => {
  test('the store creates, lists and revokes keys', async ({ redis, keys }) => {
    const store = createKeyStore(redis, keys)
    const created = await store.create({ name: 'desk', rpm: 100, wsConnections: 5 })
    expect(created).toMatchObject({ name: 'desk', rpm: 100, ws_connections: 5, revoked_at: null })
    expect(created.key).toMatch(/^tk_[\w-]{32}$/)
    expect(await store.list()).toEqual([expect.objectContaining({ id: created.id })])
    expect((await store.list())[0]).not.toHaveProperty('sha256')
    expect(await store.revoke(created.id)).toMatchObject({
      revoked_at: expect.any(Number) as number,
    })
    expect(await store.revoke('key_nope')).toBeNull()
  })
})
