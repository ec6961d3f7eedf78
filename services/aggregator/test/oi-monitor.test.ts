import { Worker } from 'bullmq'
import { describe, expect, onTestFinished } from 'vitest'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createRedis, publishRecords, readFeedAfter, writeHeartbeat, type Keys } from '@takashi/bus'
import { redisTest as test } from '@takashi/testing'
import { INTERVAL_MS, type OISpike, type OpenInterest, type SpikeTimeframe } from '@takashi/schemas'
import { createAggregatorMetrics } from '../src/metrics.ts'
import { createOiMonitor } from '../src/oi-monitor.ts'

const calm = (i: number) => 1000 + (i % 2 === 0 ? 10 : -10)

/** Stands in for the Binance ingestor: answers OI history jobs with a calm series. */
function fakeIngestor(redisUrl: string, keys: Keys, now: number) {
  const requests: string[] = []
  const worker = new Worker(
    keys.fetchQueue('binance'),
    (job) => {
      const data = job.data as { kind: string; timeframe: SpikeTimeframe; symbol: string }
      requests.push(`${data.kind}:${data.timeframe}`)
      if (data.kind !== 'oi_history') return Promise.reject(new Error('upstream: no candles here'))
      const step = INTERVAL_MS[data.timeframe]
      const lastPeriod = Math.floor(now / step) * step - step
      const history = Array.from({ length: 100 }, (_, i): OpenInterest => ({
        exchange: 'binance',
        symbol: data.symbol,
        timestamp: lastPeriod - (99 - i) * step,
        received_at: now,
        open_interest: calm(i),
        open_interest_usd: null,
      }))
      return Promise.resolve(history)
    },
    { connection: createRedis(redisUrl, { blocking: true }), prefix: keys.bullPrefix }
  )
  onTestFinished(() => worker.close())
  return requests
}

describe('OI spike monitor', () => {
  test('an OI breakout after a calm history yields exactly one spike per timeframe with the right z-score', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const now = Date.now()
    const requests = fakeIngestor(redisUrl, keys, now)
    await writeHeartbeat(redis, keys, 'binance', { 'btcusdt@aggTrade': now })
    const openInterest = (value: number, timestamp: number): OpenInterest => ({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp,
      received_at: timestamp,
      open_interest: value,
      open_interest_usd: value * 60_000,
    })
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest(1100, now) }])

    const listener = createRedis(redisUrl)
    const heard: string[] = []
    await listener.subscribe(keys.feedChannel('oi-spikes', 'binance', 'BTCUSDT'))
    listener.on('message', (_channel: string, message: string) => heard.push(message))
    onTestFinished(() => listener.disconnect())

    const registry = new Registry()
    const monitor = createOiMonitor({
      redis,
      redisUrl,
      keys,
      exchanges: ['binance', 'okx'],
      symbols: ['BTCUSDT'],
      pollMs: 200,
      log: pino({ level: 'silent' }),
      metrics: createAggregatorMetrics(registry),
      fetchTimeoutMs: 2_000,
      now: () => now,
    })
    await monitor.start()
    onTestFinished(() => monitor.stop())

    const spikes = async () =>
      (await readFeedAfter(redis, keys, 'oi-spikes', '0-0', 100)).map(
        (e) => JSON.parse(e.body) as OISpike
      )
    await expect.poll(async () => (await spikes()).length, { timeout: 10_000 }).toBe(3)
    const fiveMinutes = (await spikes()).find((spike) => spike.timeframe === '5m')
    expect(fiveMinutes).toMatchObject({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: Math.floor(now / 300_000) * 300_000,
      metric: 'open_interest',
      value: 1100,
      mean: 1000,
      stdev: 10,
      z_score: 10,
      threshold: 3,
    })
    expect((await spikes()).map((spike) => [spike.timeframe, spike.threshold]).sort()).toEqual([
      ['15m', 2.5],
      ['1h', 2],
      ['5m', 3],
    ])
    await expect.poll(() => heard.length).toBe(3)

    // still high in the next 5-minute period: the breakout goes on, no second spike
    await publishRecords(redis, keys, [
      { kind: 'open_interest', record: openInterest(1110, now + 300_000) },
    ])
    await expect
      .poll(
        async () =>
          (await redis.hget(
            keys.spikeState('binance', 'BTCUSDT', '5m', 'open_interest'),
            'last'
          )) ?? ''
      )
      .toBe(String(Math.floor((now + 300_000) / 300_000) * 300_000))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await spikes()).toHaveLength(3)
    // okx has no running ingestor (no heartbeat): nothing was asked of it
    expect(requests).toEqual(
      expect.arrayContaining(['oi_history:5m', 'oi_history:15m', 'oi_history:1h'])
    )
    expect(await redis.exists(`${keys.bullPrefix}:${keys.fetchQueue('okx')}:id`)).toBe(0)
    expect(await registry.getSingleMetricAsString('takashi_aggregator_spikes_total')).toContain(
      'timeframe="5m",metric="open_interest"} 1'
    )
  })
})
