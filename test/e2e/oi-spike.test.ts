import { cleanups, listen, silent, startGatewayReplica, subscribed } from './helpers.ts'
import { describe, expect } from 'vitest'
import { Registry } from 'prom-client'
import { adapters } from '@takashi/exchanges'
import { OISpike } from '@takashi/schemas'
import { redisTest as test, startFakeBinance } from '@takashi/testing'
import { createAggregatorMetrics } from '../../services/aggregator/src/metrics.ts'
import { createOiMonitor } from '../../services/aggregator/src/oi-monitor.ts'
import { createIngestor } from '../../services/ingestor/src/ingestor.ts'

const PERIOD = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const
/** open interest alternating 990 / 1010 BTC: mean 1000, stdev 10 */
const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)

// A scripted breakout: Binance's OI history is calm, then its open interest jumps to 1100 BTC.
describe('fake Binance → ingestor → aggregator OI monitor → gateway', () => {
  test('an OI breakout arrives on /ws/oi-spikes once per timeframe, with the exact z-score', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const binance = adapters.binance
    if (!binance) throw new Error('no binance adapter')
    const now = Date.now()
    const fake = await startFakeBinance()
    cleanups.push(() => fake.close())
    for (const [timeframe, step] of Object.entries(PERIOD)) {
      const lastClosed = Math.floor(now / step) * step - step
      fake.rest.setOpenInterestHist(
        'BTCUSDT',
        timeframe,
        Array.from({ length: 100 }, (_, i) => ({
          sumOpenInterest: String(calm(i)),
          sumOpenInterestValue: String(calm(i) * 60_000),
          timestamp: lastClosed - (99 - i) * step,
        }))
      )
    }
    fake.rest.setOpenInterest('BTCUSDT', { openInterest: '1100.000', time: now })
    fake.rest.setPremiumIndex('BTCUSDT', {
      markPrice: '60000.00',
      lastFundingRate: '0.00010000',
      nextFundingTime: now + 3_600_000,
      time: now,
    })

    const ingestor = createIngestor({
      adapter: binance,
      urls: { BINANCE_WS_URL: fake.wsUrl, BINANCE_REST_URL: fake.restUrl },
      symbols: ['BTCUSDT'],
      intervals: ['1m'],
      redis,
      redisUrl,
      keys,
      log: silent('ingestor'),
      registry: new Registry(),
      timing: { pollEveryMs: 200, heartbeatMs: 100 },
    })
    await ingestor.start()
    cleanups.push(() => ingestor.stop())

    const gateway = await startGatewayReplica({
      redisUrl,
      keys,
      exchanges: [binance],
      symbols: ['BTCUSDT'],
      intervals: ['1m'],
    })
    const everySpike = await listen(`${gateway.ws}/ws/oi-spikes`)
    const fiveMinute = await listen(`${gateway.ws}/ws/oi-spikes?timeframe=5m&exchanges=binance`)
    await subscribed(redis, keys.feedChannel('oi-spikes', 'binance', 'BTCUSDT'))

    const monitor = createOiMonitor({
      redis,
      redisUrl,
      keys,
      exchanges: ['binance'],
      symbols: ['BTCUSDT'],
      pollMs: 200,
      log: silent('aggregator'),
      metrics: createAggregatorMetrics(new Registry()),
      fetchTimeoutMs: 5_000,
    })
    await monitor.start()
    cleanups.push(() => monitor.stop())

    await expect.poll(() => everySpike.length, { timeout: 15_000 }).toBe(3)
    const spikes = everySpike.map((message) => OISpike.parse(message))
    expect(spikes.map((spike) => [spike.timeframe, spike.threshold]).sort()).toEqual([
      ['15m', 2.5],
      ['1h', 2],
      ['5m', 3],
    ])
    for (const spike of spikes) {
      expect(spike).toMatchObject({
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: Math.floor(now / PERIOD[spike.timeframe]) * PERIOD[spike.timeframe],
        metric: 'open_interest',
        value: 1100,
        mean: 1000,
        stdev: 10,
        z_score: 10,
      })
    }
    expect(fiveMinute).toEqual([everySpike.find((spike) => spike.timeframe === '5m')])

    // the ingestor keeps polling the same high OI: the breakout goes on, no second spike
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(everySpike).toHaveLength(3)
    const listed = await fetch(`${gateway.http}/oi-spikes?exchange=binance&symbol=BTCUSDT`)
    expect(((await listed.json()) as unknown[]).length).toBe(3)
  }, 30_000)
})
