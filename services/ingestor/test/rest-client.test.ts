import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import { metricValue, redisTest as test } from '@takashi/testing'
import { BusyError, UpstreamError } from '../src/errors.ts'
import { createRestClient, type RestTiming } from '../src/rest-client.ts'
import { testDeps } from './ws-venue.ts'

interface Seen {
  method: string
  url: string
  body: string
}

interface Reply {
  status: number
  body?: string
  headers?: Record<string, string>
  delayMs?: number
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A plain HTTP venue answering from a queue of replies (200 `{"ok":true}` when empty). */
async function startVenue() {
  const seen: Seen[] = []
  const replies: Reply[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body })
      const reply = replies.shift() ?? { status: 200, body: '{"ok":true}' }
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
        res.end(reply.body ?? '')
      }, reply.delayMs ?? 0)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, seen, replies }
}

function client(
  context: { redis: Redis; keys: Keys },
  baseUrl: string,
  options: { weightPerMinute?: number; timing?: Partial<RestTiming>; now?: () => number } = {}
) {
  const deps = testDeps()
  const rest = createRestClient({
    exchange: 'binance',
    baseUrl,
    redis: context.redis,
    keys: context.keys,
    metrics: deps.metrics,
    log: deps.log,
    ...options,
  })
  return { rest, ...deps }
}

async function caught(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await failure(promise)
  expect(error).toBeInstanceOf(UpstreamError)
  return error as UpstreamError
}

function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a failure'),
    (err: unknown) => err
  )
}

const weighted = (weight: number) => ({ method: 'GET' as const, path: '/v1/thing', weight })

test('uses the base URL exactly, drops unset query values, sends JSON bodies', async ({
  redis,
  keys,
}) => {
  const venue = await startVenue()
  const { rest } = client({ redis, keys }, `${venue.url}/prefix`)
  await expect(
    rest.request({
      method: 'GET',
      path: '/fapi/v1/klines',
      query: { symbol: 'BTCUSDT', limit: 5, startTime: undefined },
      weight: 1,
    })
  ).resolves.toEqual({ ok: true })
  await rest.request({ method: 'POST', path: '/info', body: { type: 'meta' }, weight: 1 })
  expect(venue.seen).toEqual([
    { method: 'GET', url: '/prefix/fapi/v1/klines?symbol=BTCUSDT&limit=5', body: '' },
    { method: 'POST', url: '/prefix/info', body: '{"type":"meta"}' },
  ])
})

test('counts spent weight in Redis, shared per window, with an expiry', async ({ redis, keys }) => {
  const venue = await startVenue()
  const a = client({ redis, keys }, venue.url)
  const b = client({ redis, keys }, venue.url)
  const windowStart = Date.now() - (Date.now() % 60_000)
  await a.rest.request(weighted(5))
  await b.rest.request(weighted(5))
  await a.rest.request(weighted(2))
  const key = keys.restWeight('binance', windowStart)
  // a window boundary may fall between the calls; the sum over both windows is exact
  const next = keys.restWeight('binance', windowStart + 60_000)
  const [now, later] = await redis.mget(key, next)
  expect(Number(now ?? 0) + Number(later ?? 0)).toBe(12)
  expect(await redis.pttl(later === null ? key : next)).toBeGreaterThan(0)
  const gauge = await a.registry.getSingleMetric('takashi_ingestor_rest_weight_used')?.get()
  expect(gauge?.values[0]?.value).toBeGreaterThan(0)
})

const WINDOW = 3_000

test("clients' requests get half the budget and are refused busy at once; own requests keep the rest and wait", async ({
  redis,
  keys,
}) => {
  const venue = await startVenue()
  // the client's clock starts at the beginning of a window, so the calls share it (however
  // slowly a loaded machine makes them, within the 3 s) with no waiting to align
  const started = Date.now()
  const windowStart = 1_000 * WINDOW
  const now = () => windowStart + (Date.now() - started)
  const { rest, registry } = client({ redis, keys }, venue.url, {
    timing: { windowMs: WINDOW },
    now,
  })
  rest.setBudget(20)
  await rest.forClients.request(weighted(5))
  await rest.forClients.request(weighted(5))
  const refused = (await failure(rest.forClients.request(weighted(5)))) as BusyError
  expect(refused).toBeInstanceOf(BusyError)
  expect(refused.message).toMatch(/^busy: \d+$/)
  expect(refused.retryAfterMs).toBeLessThanOrEqual(WINDOW + 100)
  expect(venue.seen).toHaveLength(2)
  expect(await metricValue(registry, 'takashi_ingestor_rest_client_refusals_total')).toBe(1)

  // the other half is the ingestor's own, whatever the clients did
  await rest.request(weighted(5))
  await rest.request(weighted(5))
  expect(venue.seen).toHaveLength(4)
  expect(await redis.get(keys.restWeight('binance', windowStart))).toBe('20')
  expect(await redis.get(keys.restClientWeight('binance', windowStart))).toBe('10')

  await rest.request(weighted(5))
  expect(venue.seen).toHaveLength(5)
  // it waited for the next window and was counted there
  expect(now()).toBeGreaterThanOrEqual(windowStart + WINDOW)
  expect(await redis.get(keys.restWeight('binance', windowStart + WINDOW))).toBe('5')
})

test("a budget the ingestor's own requests spent refuses clients busy too", async ({
  redis,
  keys,
}) => {
  const venue = await startVenue()
  const started = Date.now()
  const windowStart = 2_000 * WINDOW
  const now = () => windowStart + (Date.now() - started)
  const { rest } = client({ redis, keys }, venue.url, { timing: { windowMs: WINDOW }, now })
  rest.setBudget(10)
  await rest.request(weighted(10))
  expect(await failure(rest.forClients.request(weighted(1)))).toBeInstanceOf(BusyError)
  expect(venue.seen).toHaveLength(1)
})

test('429 with Retry-After stores the ban in Redis and refuses calls until then', async ({
  redis,
  keys,
}) => {
  const venue = await startVenue()
  venue.replies.push({ status: 429, body: '{"code":-1003}', headers: { 'Retry-After': '30' } })
  const { rest, registry } = client({ redis, keys }, venue.url)
  const first = await caught(rest.request(weighted(1)))
  expect(first.status).toBe(429)
  expect(first.message).toMatch(/^upstream: /)

  const until = Number(await redis.get(keys.restBannedUntil('binance')))
  expect(until - Date.now()).toBeGreaterThan(25_000)
  expect(until - Date.now()).toBeLessThanOrEqual(30_000)
  expect(await redis.pttl(keys.restBannedUntil('binance'))).toBeGreaterThan(25_000)

  // every process shares the ban: a second client refuses without calling the exchange
  const other = client({ redis, keys }, venue.url).rest
  const refused = await caught(other.request(weighted(1)))
  expect(refused.status).toBe(429)
  expect(venue.seen).toHaveLength(1)
  const errors = await registry.getSingleMetric('takashi_ingestor_upstream_errors_total')?.get()
  expect(errors?.values).toEqual([
    expect.objectContaining({ labels: { exchange: 'binance', status: '429' }, value: 1 }),
  ])
})

test('418 without Retry-After bans for the fallback period', async ({ redis, keys }) => {
  const venue = await startVenue()
  venue.replies.push({ status: 418, body: '{"code":-1003}' })
  const { rest } = client({ redis, keys }, venue.url)
  expect((await caught(rest.request(weighted(1)))).status).toBe(418)
  const until = Number(await redis.get(keys.restBannedUntil('binance')))
  expect(until - Date.now()).toBeGreaterThan(110_000)
})

test('errors carry the status: HTTP errors, bad JSON, timeouts', async ({ redis, keys }) => {
  const venue = await startVenue()
  venue.replies.push({ status: 500, body: '{"msg":"boom"}' })
  venue.replies.push({ status: 200, body: 'not json' })
  venue.replies.push({ status: 200, body: '{}', delayMs: 500 })
  const { rest, registry } = client({ redis, keys }, venue.url, { timing: { timeoutMs: 100 } })

  const http = await caught(rest.request(weighted(1)))
  expect(http.status).toBe(500)
  expect(http.message).toBe('upstream: binance /v1/thing answered 500: {"msg":"boom"}')
  expect((await caught(rest.request(weighted(1)))).status).toBe(502)
  const timeout = await caught(rest.request(weighted(1)))
  expect(timeout.status).toBe(0)
  expect(timeout.message).toMatch(/^upstream: .*timeout/)

  const requests = await registry.getSingleMetric('takashi_ingestor_rest_requests_total')?.get()
  const byStatus: Record<string, number> = {}
  for (const value of requests?.values ?? []) byStatus[String(value.labels.status)] = value.value
  expect(byStatus).toEqual({ '500': 1, '200': 1, timeout: 1 })
  // no ban for ordinary failures
  expect(await redis.exists(keys.restBannedUntil('binance'))).toBe(0)
})
