import { describe, expect } from 'vitest'
import { createRedis, type Keys } from '@takashi/bus'
import { startFakeBinance } from '@takashi/fakes/binance'
import { redisTest as test } from '@takashi/testing'
import { adapterOf, cleanups, closedAfter, startVenueStack } from './helpers.ts'

const MINUTE = 60_000
// the fake's REQUEST_WEIGHT limit (its exchangeInfo); the ingestor budgets half of it
const VENUE_WEIGHT_PER_MINUTE = 2_400
const OI_POLL_MS = 1_000

/** Binance's weight of a klines call with `limit` (its documented tiers). */
const klinesWeight = (limit: number) => (limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10)

async function startStack(redisUrl: string, keys: Keys) {
  const fake = closedAfter(await startFakeBinance())
  fake.rest.setOpenInterest('BTCUSDT', { openInterest: '80000.250', time: Date.now() })
  const redis = createRedis(redisUrl)
  cleanups.push(() => redis.disconnect())
  const { gateway } = await startVenueStack({
    redis,
    redisUrl,
    keys,
    adapter: adapterOf('binance'),
    urls: { ws: fake.wsUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT'],
    timing: { pollEveryMs: OI_POLL_MS },
    aggregator: false,
  })
  return { fake, gateway }
}

describe('a flood of cache misses (spec §6)', () => {
  test('400 distinct old windows: at most half the venue budget, 503 busy beyond it, open interest polled on time', async ({
    redisUrl,
    keys,
  }) => {
    const { fake, gateway } = await startStack(redisUrl, keys)
    const listener = createRedis(redisUrl)
    cleanups.push(() => listener.disconnect())
    const polls: number[] = []
    listener.on('message', () => polls.push(Date.now()))
    await listener.subscribe(keys.liveChannel('open-interest', 'binance', 'BTCUSDT'))
    await expect.poll(() => polls.length).toBeGreaterThanOrEqual(2)

    const old = Date.now() - 30 * 24 * 60 * MINUTE
    const paths = Array.from(
      { length: 400 },
      (_, i) => `/binance/ohlc/BTCUSDT/1m?limit=1000&end_time=${old - i * 1000 * MINUTE}`
    )
    const statuses: number[] = []
    const refusals: { retryAfter: string | null; code: unknown }[] = []
    const floodStarted = Date.now()
    let next = 0
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < paths.length) {
          const path = paths[next++]!
          const res = await fetch(`${gateway.http}${path}`)
          statuses.push(res.status)
          const body = (await res.json()) as { error?: { code: string } }
          if (res.status === 503) {
            refusals.push({ retryAfter: res.headers.get('retry-after'), code: body.error?.code })
          }
        }
      })
    )
    const floodEnded = Date.now()

    // never a 502: what the budget cannot take now is 503 busy with Retry-After
    expect(new Set(statuses)).toEqual(new Set([200, 503]))
    expect(refusals.length).toBeGreaterThan(0)
    for (const refusal of refusals) {
      expect(refusal.code).toBe('busy')
      expect(refusal.retryAfter).toMatch(/^\d+$/)
    }
    // the venue saw at most half its budget from clients
    // the clients' requests (the ingestor's own backfill asks without an end time): at most a
    // quarter of the venue's limit per budget minute, so even a flood that straddles a minute
    // boundary stays within half of it
    const klines = fake.requests.filter(
      (request) => request.path === '/fapi/v1/klines' && request.query.endTime !== undefined
    )
    const weight = klines.reduce(
      (sum, request) => sum + klinesWeight(Number(request.query.limit)),
      0
    )
    expect(klines.length).toBeGreaterThan(0)
    expect(weight).toBeLessThanOrEqual(VENUE_WEIGHT_PER_MINUTE / 2)

    // open interest kept being polled during the flood, no gap longer than two poll intervals
    await expect.poll(() => polls.at(-1)! > floodEnded).toBe(true)
    const during = polls.filter((at) => at >= floodStarted - OI_POLL_MS)
    const gaps = during.slice(1).map((at, i) => at - during[i]!)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * OI_POLL_MS)
  })
})
