import { afterEach, describe, expect } from 'vitest'
import { createRedis, readHeartbeat, readLatest, type Redis } from '@takashi/bus'
import { freePort } from '@takashi/local-redis'
import type { PollSpec } from '@takashi/exchanges'
import { redisTest as test, metricValue } from '@takashi/testing'
import { createHeartbeat } from '../src/heartbeat.ts'
import { createPollers } from '../src/pollers.ts'
import { createPublisher } from '../src/publisher.ts'
import { candle, fundingRate, openInterest } from './records.ts'
import { testDeps, testRestContext, testTrade } from './ws-venue.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function subscribe(redisUrl: string, channel: string): Promise<string[]> {
  const subscriber = createRedis(redisUrl, { blocking: true })
  cleanups.push(() => subscriber.disconnect())
  const messages: string[] = []
  subscriber.on('message', (_channel: string, message: string) => messages.push(message))
  await subscriber.subscribe(channel)
  return messages
}

describe('publisher', () => {
  test('writes records queued in one turn and counts them', async ({ redis, keys, redisUrl }) => {
    const deps = testDeps()
    const publisher = createPublisher({ redis, keys, ...deps })
    const trades = await subscribe(redisUrl, keys.liveChannel('trades', 'binance', 'BTCUSDT'))

    publisher.publish([testTrade(1)])
    publisher.publish([testTrade(2), { kind: 'ohlc', record: candle(1_700_000_040_000) }])
    publisher.publish([{ kind: 'funding_rate', record: fundingRate(64_000.5) }])
    await publisher.flush()

    await expect
      .poll(() => trades.map((t) => (JSON.parse(t) as { price: number }).price))
      .toEqual([1, 2])
    expect(await redis.zcard(keys.candles('binance', 'BTCUSDT', '1m'))).toBe(1)
    expect(await readLatest(redis, keys, 'funding-rate', 'binance', 'BTCUSDT')).toContain('64000.5')
    expect(
      await metricValue(deps.registry, 'takashi_ingestor_messages_total', { stream: 'trade' })
    ).toBe(2)
    expect(
      await metricValue(deps.registry, 'takashi_ingestor_messages_total', { stream: 'ohlc' })
    ).toBe(1)
    const lag = await deps.registry.getSingleMetricAsString('takashi_ingestor_lag_seconds')
    const counts = [...lag.matchAll(/_count\{exchange="binance",stream="(\w+)"\} (\d+)/g)]
    // candles are not in the lag histogram: their timestamp is the open time
    expect(counts.map((match) => [match[1], match[2]]).sort()).toEqual([
      ['funding_rate', '1'],
      ['trade', '2'],
    ])
  })

  test('a Redis outage is counted and logged, never thrown', async ({ keys }) => {
    const deps = testDeps()
    const down: Redis = createRedis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    down.on('error', () => {})
    cleanups.push(() => down.disconnect())
    const publisher = createPublisher({ redis: down, keys, ...deps })
    publisher.publish([testTrade(1), testTrade(2)])
    await publisher.flush()
    await expect(publisher.publishNow([testTrade(3)])).rejects.toThrow()
    expect(await metricValue(deps.registry, 'takashi_ingestor_publish_errors_total', {})).toBe(3)
  })
})

test('heartbeat writes the last message time per stream and feeds the age gauge', async ({
  redis,
  keys,
}) => {
  const deps = testDeps()
  const at = Date.now() - 5_000
  const heartbeat = createHeartbeat({
    redis,
    keys,
    ...deps,
    lastMessageAt: () => ({ 'btcusdt@aggTrade': at }),
  })
  heartbeat.start()
  cleanups.push(() => heartbeat.stop())
  await expect
    .poll(async () => (await readHeartbeat(redis, keys, 'binance')).streams)
    .toEqual({
      'btcusdt@aggTrade': at,
    })
  expect((await readHeartbeat(redis, keys, 'binance')).aliveAt).toBeGreaterThan(at)
  const age = await metricValue(deps.registry, 'takashi_ingestor_last_message_age_seconds', {
    stream: 'btcusdt@aggTrade',
  })
  expect(age).toBeGreaterThanOrEqual(5)
  expect(age).toBeLessThan(10)
})

describe('pollers', () => {
  test('run at start and on their interval, never overlapping, surviving failures', async ({
    redis,
    keys,
  }) => {
    const deps = testDeps()
    const publisher = createPublisher({ redis, keys, ...deps })
    let running = 0
    let maxRunning = 0
    let runs = 0
    const slow: PollSpec = {
      name: 'open_interest',
      everyMs: 20,
      async run() {
        runs += 1
        running += 1
        maxRunning = Math.max(maxRunning, running)
        await new Promise((resolve) => setTimeout(resolve, 60))
        running -= 1
        if (runs === 1) throw new Error('exchange hiccup')
        return [{ kind: 'open_interest', record: openInterest(runs) }]
      },
    }
    const pollers = createPollers({
      polls: [slow],
      rest: { request: () => Promise.resolve({}) },
      context: testRestContext,
      publisher,
      ...deps,
    })
    pollers.start()
    cleanups.push(() => pollers.stop())
    await expect.poll(() => runs, { timeout: 3_000 }).toBeGreaterThanOrEqual(4)
    expect(maxRunning).toBe(1)
    await expect
      .poll(() => readLatest(redis, keys, 'open-interest', 'binance', 'BTCUSDT'))
      .toMatch(/"open_interest":[2-9]/)
    expect(
      await metricValue(deps.registry, 'takashi_ingestor_poll_runs_total', { outcome: 'error' })
    ).toBe(1)
  })
})
