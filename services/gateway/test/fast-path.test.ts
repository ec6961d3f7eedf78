import { afterEach, describe, expect } from 'vitest'
import { markCandlesFrom, publishRecords, type Keys, type Redis } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import type { GatewayOptions } from '../src/gateway.ts'
import { candle, metricValue, openInterest, startGateway, type RunningGateway } from './helpers.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const T0 = 1_700_000_040_000
// the REST limit counts per wall-clock minute: the gateway's clock is held 30 s into one, so a
// window boundary never falls between the requests a test counts
const NOW = () => 1_700_000_010_000
const OHLC = '/binance/ohlc/BTCUSDT/1m?limit=100'
const OI = '/binance/open-interest/BTCUSDT'

async function seed(redis: Redis, keys: Keys) {
  const candles = Array.from({ length: 100 }, (_, i) => candle(T0 + i * 60_000, { close: 100 + i }))
  await publishRecords(redis, keys, [
    ...candles.map((record) => ({ kind: 'ohlc' as const, record })),
    { kind: 'open_interest' as const, record: openInterest() },
  ])
  await markCandlesFrom(redis, keys, { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' }, T0)
}

async function gatewayFor(
  ctx: { redisUrl: string; keys: Keys },
  overrides: Partial<GatewayOptions> = {}
) {
  const gateway = await startGateway(ctx, { restMemory: { maxAgeMs: 60_000 }, ...overrides })
  cleanups.push(() => gateway.stop())
  return gateway
}

/** Status, body and headers of an answer, minus what differs by the moment it is sent. */
async function answerOf(
  gateway: RunningGateway,
  path: string,
  headers: Record<string, string> = {}
) {
  const res = await fetch(`${gateway.url}${path}`, { headers })
  const kept = [...res.headers].filter(([name]) => !['date', 'ratelimit'].includes(name))
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(kept) }
}

describe('answers from memory in front of the router', () => {
  redisTest(
    'are the answers the app gives: same status, body and headers',
    async ({ redis, keys, redisUrl }) => {
      await seed(redis, keys)
      const gateway = await gatewayFor(
        { redisUrl, keys },
        { corsOrigins: ['https://desk.example.com'], rateLimitPerMinute: 1_000, now: NOW }
      )
      for (const [path, headers] of [
        [OHLC, {}],
        [OHLC, { origin: 'https://desk.example.com', 'accept-encoding': 'br' }],
        [OHLC, { origin: 'https://elsewhere.example', 'accept-encoding': 'gzip' }],
        [OI, { origin: 'https://desk.example.com' }],
      ] as const) {
        // the first read goes through the app and fills the memory, the next are answered from it
        const first = await answerOf(gateway, path, headers)
        const again = await answerOf(gateway, path, headers)
        expect(again).toEqual(first)
        expect(first.status).toBe(200)
        expect(first.headers['ratelimit-policy']).toBe('"default";q=1000;w=60')
      }
      const vary = (await answerOf(gateway, OHLC, { origin: 'https://desk.example.com' })).headers
        .vary
      expect(vary).toBe('Origin, Accept-Encoding')
      const notModified = await fetch(`${gateway.url}${OHLC}`, {
        headers: { 'if-none-match': (await answerOf(gateway, OHLC)).headers.etag! },
      })
      expect(notModified.status).toBe(304)
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_http_requests_total', {
          route: '/:exchange/ohlc/:symbol/:interval',
          status: '200',
        })
      ).toBe(8)
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_http_requests_total', {
          route: '/:exchange/ohlc/:symbol/:interval',
          status: '304',
        })
      ).toBe(1)
      // every answer, from either path, is timed once
      const durations = (await gateway.registry.getMetricsAsJSON()).find(
        (m) => m.name === 'takashi_gateway_http_request_duration_seconds'
      )
      const timed = (durations?.values as { metricName?: string }[] | undefined)?.find(
        (v: { metricName?: string; labels?: Record<string, unknown> }) =>
          v.metricName === 'takashi_gateway_http_request_duration_seconds_count' &&
          v.labels?.route === '/:exchange/ohlc/:symbol/:interval'
      ) as { value?: number } | undefined
      expect(timed?.value).toBe(9)
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_cache_requests_total', {
          kind: 'ohlc',
          result: 'memory',
        })
      ).toBeGreaterThanOrEqual(5)
    }
  )

  redisTest(
    'keep the client limit, and refusals and errors are the app answers',
    async ({ redis, keys, redisUrl }) => {
      await seed(redis, keys)
      const gateway = await gatewayFor({ redisUrl, keys }, { rateLimitPerMinute: 3, now: NOW })
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await answerOf(gateway, OHLC)).status)
      expect(statuses).toEqual([200, 200, 200, 429])
      const refused = await answerOf(gateway, OHLC)
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'rate_limited' } })
      expect(refused.headers['retry-after']).toMatch(/^\d+$/)
      expect(refused.headers['x-content-type-options']).toBe('nosniff')

      const other = await gatewayFor({ redisUrl, keys })
      expect((await answerOf(other, '/binance/ohlc/NOPEUSDT/1m?limit=100')).status).toBe(404)
      expect((await answerOf(other, '/binance/ohlc/BTCUSDT/1m?limit=0')).status).toBe(400)
      expect((await answerOf(other, '/binance/ohlc/BTCUSDT/7m?limit=100')).status).toBe(400)
    }
  )
})
