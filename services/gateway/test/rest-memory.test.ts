import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import {
  createKeys,
  createRedis,
  markCandlesFrom,
  publishRecords,
  readCandles,
  readLatest,
  type Keys,
  type Redis,
} from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { redisTest } from '@takashi/testing'
import type { GatewayOptions } from '../src/gateway.ts'
import { candle, metricValue, openInterest, perTest, type RunningGateway } from './helpers.ts'

const { gateway: startReplica, cleanups } = perTest()
// trusted for a minute: only the channel's messages can make an entry stale here
const gatewayFor = (
  ctx: { redisUrl: string; keys: Keys },
  overrides: Partial<GatewayOptions> = {}
) => startReplica(ctx, { restMemory: { maxAgeMs: 60_000 }, ...overrides })

const SERIES = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' } as const
const T0 = 1_700_000_040_000
const PATH = '/binance/ohlc/BTCUSDT/1m?limit=100'

/** `count` closed 1m candles from T0, cached and marked contiguous, as an ingestor leaves them. */
async function seedCandles(redis: Redis, keys: Keys, count: number) {
  const candles = Array.from({ length: count }, (_, i) =>
    candle(T0 + i * 60_000, { close: 100 + i })
  )
  await publishRecords(
    redis,
    keys,
    candles.map((record) => ({ kind: 'ohlc' as const, record }))
  )
  await markCandlesFrom(redis, keys, SERIES, T0)
  return candles
}

const body = async (gateway: RunningGateway, path: string) =>
  (await fetch(`${gateway.url}${path}`)).text()

const fromMemory = (gateway: RunningGateway, kind: string) =>
  metricValue(gateway.registry, 'takashi_gateway_cache_requests_total', { kind, result: 'memory' })

describe('REST answers from memory', () => {
  redisTest(
    'are byte for byte what Redis holds across a stream of updates',
    async ({ redis, keys, redisUrl }) => {
      const candles = await seedCandles(redis, keys, 120)
      await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
      const gateway = await gatewayFor({ redisUrl, keys })
      const redisOhlc = async () => (await readCandles(redis, keys, SERIES, { limit: 100 })).body
      const redisOi = async () =>
        (await readLatest(redis, keys, 'open-interest', 'binance', 'BTCUSDT')) ?? ''

      let last = candles.at(-1)!
      for (let i = 0; i < 40; i++) {
        // the open candle changes, and every fifth update a new one opens
        last =
          i % 5 === 4
            ? candle(last.timestamp + 60_000, { close: 200 + i, closed: false })
            : { ...last, close: 300 + i, volume: i }
        await publishRecords(redis, keys, [
          { kind: 'ohlc', record: last },
          { kind: 'open_interest', record: openInterest({ open_interest: 80_000 + i }) },
        ])
        const [ohlc, oi] = [await redisOhlc(), await redisOi()]
        await expect.poll(() => body(gateway, PATH), { timeout: 2_000 }).toBe(ohlc)
        await expect
          .poll(() => body(gateway, '/binance/open-interest/BTCUSDT'), { timeout: 2_000 })
          .toBe(oi)
        // once current, it stays current: repeated answers come from memory unchanged
        for (let j = 0; j < 3; j++) {
          expect(await body(gateway, PATH)).toBe(ohlc)
          expect(await body(gateway, '/binance/open-interest/BTCUSDT')).toBe(oi)
        }
      }
      expect(await fromMemory(gateway, 'ohlc')).toBeGreaterThanOrEqual(80)
      expect(await fromMemory(gateway, 'open_interest')).toBeGreaterThanOrEqual(80)
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_rest_memory_bytes')
      ).toBeGreaterThan(0)
    }
  )

  test('are dropped when the subscription breaks, so an update in the gap is not missed', async () => {
    // it cuts every pub/sub connection: its own redis-server, so no other test's are cut
    const server = await startLocalRedis()
    cleanups.push(() => server.stop())
    const redis = createRedis(server.url)
    cleanups.push(() => redis.disconnect())
    const keys = createKeys()
    const candles = await seedCandles(redis, keys, 100)
    const gateway = await gatewayFor({ redisUrl: server.url, keys })
    expect(await body(gateway, PATH)).toBe(await body(gateway, PATH))
    expect(await fromMemory(gateway, 'ohlc')).toBe(1)

    await redis.client('KILL', 'TYPE', 'pubsub')
    // written while no subscriber listens: no message will ever say it changed
    await publishRecords(redis, keys, [
      { kind: 'ohlc', record: { ...candles.at(-1)!, close: 12_345 } },
    ])
    const expected = (await readCandles(redis, keys, SERIES, { limit: 100 })).body
    await expect.poll(() => body(gateway, PATH), { timeout: 2_000 }).toBe(expected)
  })

  redisTest(
    'large answers are compressed for clients that accept it; ETags give 304s',
    async ({ redis, keys, redisUrl }) => {
      await seedCandles(redis, keys, 100)
      await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
      const gateway = await gatewayFor({ redisUrl, keys })
      const plain = await fetch(`${gateway.url}${PATH}`, {
        headers: { 'accept-encoding': 'identity' },
      })
      const text = await plain.text()
      expect(plain.headers.get('content-encoding')).toBeNull()
      expect(plain.headers.get('cache-control')).toBe('public, max-age=1')
      const etag = plain.headers.get('etag')
      expect(etag).toMatch(/^"[\w-]+"$/)

      for (const [encoding, decode] of [
        ['br', brotliDecompressSync],
        ['gzip', gunzipSync],
      ] as const) {
        // node's fetch would decode it itself: read the raw bytes with node:http
        const raw = await rawGet(`${gateway.url}${PATH}`, { 'accept-encoding': encoding })
        expect(raw.headers['content-encoding']).toBe(encoding)
        expect(raw.headers.vary).toContain('Accept-Encoding')
        expect(raw.body.length).toBeLessThan(text.length / 3)
        expect(decode(raw.body).toString()).toBe(text)
      }
      const cached = await fetch(`${gateway.url}${PATH}`, { headers: { 'if-none-match': etag! } })
      expect(cached.status).toBe(304)
      expect(await cached.text()).toBe('')

      // a small answer is not worth compressing
      const oi = await rawGet(`${gateway.url}/binance/open-interest/BTCUSDT`, {
        'accept-encoding': 'br, gzip',
      })
      expect(oi.headers['content-encoding']).toBeUndefined()
      expect(oi.headers.etag).toBeDefined()
      // and is the same for every client: it does not vary on Accept-Encoding
      expect(oi.headers.vary).toBeUndefined()
      const plainOhlc = await rawGet(`${gateway.url}${PATH}`, {})
      expect(plainOhlc.headers.vary).toBe('Accept-Encoding')
    }
  )
})

async function rawGet(url: string, headers: Record<string, string>) {
  const { get } = await import('node:http')
  return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      get(url, { headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
      }).on('error', reject)
    }
  )
}
