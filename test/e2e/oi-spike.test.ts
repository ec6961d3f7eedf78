import { cleanups, listen, silent, startGatewayReplica, subscribed } from './helpers.ts'
import { describe, expect } from 'vitest'
import { Registry } from 'prom-client'
import { createRedis, readFeedAfter, type Keys, type Redis } from '@takashi/bus'
import { adapters } from '@takashi/exchanges'
import { OISpike, SPIKE_TIMEFRAMES, type ExchangeId } from '@takashi/schemas'
import { metricValue, redisTest as test } from '@takashi/testing'
import { startFakeBinance, type FakeBinance } from '@takashi/fakes/binance'
import { createAggregatorMetrics, createOiMonitor } from '../../services/aggregator/src/index.ts'
import { createIngestor } from '../../services/ingestor/src/index.ts'

const PERIOD = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const
const OI_POLL_MS = 1_000
/**
 * Open interest alternating 1010 / 990 BTC, oldest first: mean 1000, stdev 10. The live calm
 * reading is 1010, the value a period boundary would push out, so a boundary passing during the
 * test leaves the statistics exact.
 */
const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)

function setHistory(fake: FakeBinance, symbol: string, value: (i: number) => number, now: number) {
  for (const [timeframe, step] of Object.entries(PERIOD)) {
    const lastClosed = Math.floor(now / step) * step - step
    fake.rest.setOpenInterestHist(
      symbol,
      timeframe,
      Array.from({ length: 100 }, (_, i) => ({
        sumOpenInterest: String(value(i)),
        sumOpenInterestValue: String(value(i) * 60_000),
        timestamp: lastClosed - (99 - i) * step,
      }))
    )
  }
}

/** Fake Binance → ingestor (OI polled every second) → monitor → gateway. */
async function startStack(redis: Redis, keys: Keys, redisUrl: string, symbols: string[]) {
  const binance = adapters.binance
  if (!binance) throw new Error('no binance adapter')
  const fake = await startFakeBinance()
  cleanups.push(() => fake.close())
  for (const symbol of symbols) {
    fake.rest.setPremiumIndex(symbol, {
      markPrice: '60000.00',
      lastFundingRate: '0.00010000',
      nextFundingTime: Date.now() + 3_600_000,
      time: Date.now(),
    })
  }
  const start = async () => {
    const ingestor = createIngestor({
      adapter: binance,
      urls: { ws: fake.wsUrl, rest: fake.restUrl },
      symbols,
      intervals: ['1m'],
      redis,
      redisUrl,
      keys,
      log: silent('ingestor'),
      registry: new Registry(),
      timing: { pollEveryMs: OI_POLL_MS, heartbeatMs: 100 },
    })
    await ingestor.start()
    cleanups.push(() => ingestor.stop())
    const gateway = await startGatewayReplica({
      redisUrl,
      keys,
      exchanges: [binance],
      symbols,
      intervals: ['1m'],
    })
    const registry = new Registry()
    const monitorRedis = createRedis(redisUrl)
    const monitor = createOiMonitor({
      redis: monitorRedis,
      redisUrl,
      keys,
      exchanges: ['binance'],
      symbols,
      // the floor is an hour away: a spike within the test is the record's own evaluation
      pollMs: 3_600_000,
      log: silent('aggregator'),
      metrics: createAggregatorMetrics(registry),
      fetchTimeoutMs: 5_000,
    })
    cleanups.push(async () => {
      await monitor.stop()
      monitorRedis.disconnect()
    })
    await monitor.start()
    return { gateway, registry }
  }
  return { fake, start }
}

/** Resolves once every open-interest series of the symbol has a window and judged `at`. */
async function judged(redis: Redis, keys: Keys, exchange: ExchangeId, symbol: string, at: number) {
  for (const tf of SPIKE_TIMEFRAMES) {
    await expect
      .poll(() => redis.hget(keys.spikeState(exchange, symbol, tf, 'open_interest'), 'open_at'), {
        timeout: 20_000,
      })
      .toBe(String(at))
  }
}

/** Evaluations of one symbol's series so far (the detector-runs counter). */
const detectorRuns = (registry: Registry) =>
  metricValue(registry, 'takashi_aggregator_detector_runs_total')

describe('fake Binance → ingestor → aggregator OI monitor → gateway', () => {
  test('a mid-period OI jump reaches /ws/oi-spikes within one OI poll plus one evaluation', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const now = Date.now()
    const { fake, start } = await startStack(redis, keys, redisUrl, ['BTCUSDT'])
    setHistory(fake, 'BTCUSDT', calm, now)
    fake.rest.setOpenInterest('BTCUSDT', { openInterest: '1010.000', time: now })
    const { gateway } = await start()
    const everySpike = await listen(`${gateway.ws}/ws/oi-spikes`)
    const fiveMinute = await listen(`${gateway.ws}/ws/oi-spikes?timeframe=5m&exchanges=binance`)
    await subscribed(redis, keys.feedChannel('oi-spikes', 'binance', 'BTCUSDT'))
    // the windows are seeded from history and the calm reading judged: nothing said
    await judged(redis, keys, 'binance', 'BTCUSDT', now)

    const polls = () =>
      fake.requests.filter(
        (r) => r.path === '/fapi/v1/openInterest' && r.query.symbol === 'BTCUSDT'
      ).length
    const jumpAt = Date.now()
    const pollsBefore = polls()
    fake.rest.setOpenInterest('BTCUSDT', { openInterest: '1100.000', time: jumpAt })
    await expect.poll(() => everySpike.length, { timeout: 20_000 }).toBe(3)
    // the first poll after the jump carried it; the spike came before a second one could matter
    expect(polls() - pollsBefore).toBeLessThanOrEqual(2)

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
        timestamp: jumpAt,
        metric: 'open_interest',
        value: 1100,
        mean: 1000,
        stdev: 10,
        z_score: 10,
      })
    }
    expect(fiveMinute).toEqual([everySpike.find((spike) => spike.timeframe === '5m')])

    // the ingestor keeps polling the same high OI, then a higher one: the same breakout
    const laterAt = Date.now()
    fake.rest.setOpenInterest('BTCUSDT', { openInterest: '1120.000', time: laterAt })
    await judged(redis, keys, 'binance', 'BTCUSDT', laterAt)
    expect(everySpike).toHaveLength(3)
    const listed = await fetch(`${gateway.http}/oi-spikes?exchange=binance&symbol=BTCUSDT`)
    expect(((await listed.json()) as unknown[]).length).toBe(3)
  }, 60_000)

  test('a fresh start on a long history with an old breakout, and a flat symbol, publish nothing', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const now = Date.now()
    const { fake, start } = await startStack(redis, keys, redisUrl, ['BTCUSDT', 'ETHUSDT'])
    // BTC broke out 40 periods ago and came back; ETH never moved
    setHistory(fake, 'BTCUSDT', (i) => (i >= 60 && i < 63 ? 1100 : calm(i)), now)
    setHistory(fake, 'ETHUSDT', (i) => (i % 2 === 0 ? 20_010 : 19_990), now)
    fake.rest.setOpenInterest('BTCUSDT', { openInterest: '1010.000', time: now })
    fake.rest.setOpenInterest('ETHUSDT', { openInterest: '20000.000', time: now })
    const { gateway, registry } = await start()
    const everySpike = await listen(`${gateway.ws}/ws/oi-spikes`)
    await subscribed(redis, keys.feedChannel('oi-spikes', 'binance', 'ETHUSDT'))
    await judged(redis, keys, 'binance', 'BTCUSDT', now)
    await judged(redis, keys, 'binance', 'ETHUSDT', now)

    // ETH's open interest moves within its usual range for a while
    for (const [n, value] of ['20005.000', '19995.000', '20008.000'].entries()) {
      const at = now + (n + 1) * 1_000
      fake.rest.setOpenInterest('ETHUSDT', { openInterest: value, time: at })
      await judged(redis, keys, 'binance', 'ETHUSDT', at)
    }
    // and every series has been evaluated several times more after that
    const runs = await detectorRuns(registry)
    await expect.poll(() => detectorRuns(registry), { timeout: 20_000 }).toBeGreaterThan(runs + 24)
    expect(await readFeedAfter(redis, keys, 'oi-spikes', '0-0', 10)).toEqual([])
    expect(everySpike).toEqual([])
  }, 60_000)
})
