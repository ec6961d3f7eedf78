import { cleanups, listen, silent, startGatewayReplica, subscribed } from './helpers.ts'
import { describe, expect } from 'vitest'
import { Registry } from 'prom-client'
import { createRedis, type Keys, type Redis } from '@takashi/bus'
import { adapters, type ExchangeAdapter } from '@takashi/exchanges'
import { OISpike, SPIKE_TIMEFRAMES, type ExchangeId } from '@takashi/schemas'
import { redisTest as test } from '@takashi/testing'
import { startFakeBybit } from '@takashi/fakes/bybit'
import { okxEvents, startFakeOkx } from '@takashi/fakes/okx'
import { createAggregatorMetrics, createOiMonitor } from '../../services/aggregator/src/index.ts'
import { createIngestor, type IngestorDeps } from '../../services/ingestor/src/index.ts'

const PERIOD = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const
/** 1010 / 990 alternating, oldest first: mean 1000, stdev 10 (a boundary pushes 1010 out, 1010 in) */
const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)
/** the closed periods before `now`, oldest first, with their open times */
const history = (timeframe: keyof typeof PERIOD, now: number) => {
  const step = PERIOD[timeframe]
  const lastClosed = Math.floor(now / step) * step - step
  return Array.from({ length: 100 }, (_, i) => ({
    value: calm(i),
    timestamp: lastClosed - (99 - i) * step,
  }))
}

/** Ingestor, monitor (floor an hour away) and gateway around a fake venue. */
async function startStack(
  redis: Redis,
  keys: Keys,
  redisUrl: string,
  adapter: ExchangeAdapter,
  urls: IngestorDeps['urls']
) {
  const ingestor = createIngestor({
    adapter,
    urls,
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
    redis,
    redisUrl,
    keys,
    log: silent('ingestor'),
    registry: new Registry(),
    timing: { heartbeatMs: 100 },
  })
  await ingestor.start()
  cleanups.push(() => ingestor.stop())
  const gateway = await startGatewayReplica({
    redisUrl,
    keys,
    exchanges: [adapter],
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
  })
  const monitorRedis = createRedis(redisUrl)
  const monitor = createOiMonitor({
    redis: monitorRedis,
    redisUrl,
    keys,
    exchanges: [adapter.id],
    symbols: ['BTCUSDT'],
    pollMs: 3_600_000,
    log: silent('aggregator'),
    metrics: createAggregatorMetrics(new Registry()),
    fetchTimeoutMs: 5_000,
  })
  cleanups.push(async () => {
    await monitor.stop()
    monitorRedis.disconnect()
  })
  await monitor.start()
  const spikes = await listen(`${gateway.ws}/ws/oi-spikes?exchanges=${adapter.id}`)
  await subscribed(redis, keys.feedChannel('oi-spikes', adapter.id, 'BTCUSDT'))
  return spikes
}

/** Resolves the exchange time of the reading every OI series judged last, once it is `value`. */
async function judgedValue(redis: Redis, keys: Keys, exchange: ExchangeId, value: number) {
  const times = new Set<string | null>()
  for (const tf of SPIKE_TIMEFRAMES) {
    const key = keys.spikeState(exchange, 'BTCUSDT', tf, 'open_interest')
    await expect.poll(() => redis.hget(key, 'open_value'), { timeout: 20_000 }).toBe(String(value))
    times.add(await redis.hget(key, 'open_at'))
  }
  expect(times.size).toBe(1)
  return Number([...times][0])
}

function expectSpikes(messages: Record<string, unknown>[], exchange: ExchangeId, at: number) {
  const spikes = messages.map((message) => OISpike.parse(message))
  expect(spikes.map((spike) => spike.timeframe).sort()).toEqual(['15m', '1h', '5m'])
  for (const spike of spikes) {
    expect(spike).toMatchObject({
      exchange,
      symbol: 'BTCUSDT',
      timestamp: at,
      metric: 'open_interest',
      value: 1100,
      mean: 1000,
      stdev: 10,
      z_score: 10,
      threshold: { '5m': 3, '15m': 2.5, '1h': 2 }[spike.timeframe],
    })
  }
}

describe('a mid-period OI jump on Bybit and OKX reaches /ws/oi-spikes', () => {
  test('Bybit: windows from /v5/market/open-interest, the jump from a tickers delta', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const bybit = adapters.bybit
    if (!bybit) throw new Error('no bybit adapter')
    const now = Date.now()
    const fake = await startFakeBybit()
    cleanups.push(() => fake.close())
    const intervalTime = { '5m': '5min', '15m': '15min', '1h': '1h' } as const
    for (const tf of SPIKE_TIMEFRAMES) {
      fake.rest.setOpenInterest(
        'BTCUSDT',
        intervalTime[tf],
        history(tf, now).map(({ value, timestamp }) => ({
          openInterest: String(2 * value),
          singleOpenInterest: String(value),
          timestamp,
        }))
      )
    }
    fake.rest.setTicker('BTCUSDT', {
      markPrice: '60000',
      openInterest: '2020',
      singleOpenInterest: '1010',
      fundingRate: '0.0001',
      nextFundingTime: now + 3_600_000,
    })
    const spikes = await startStack(redis, keys, redisUrl, bybit, {
      ws: fake.wsUrl,
      rest: fake.restUrl,
    })
    await fake.waitForSubscriber('tickers.BTCUSDT', 20_000)
    // the subscribe snapshot is the calm reading the windows start with
    const snapshotAt = await judgedValue(redis, keys, 'bybit', 1010)
    expect(spikes).toEqual([])

    // a delta a second later (Bybit's ticker is published at most once a second)
    const at = Math.max(Date.now(), snapshotAt + 1_000)
    fake.emitRaw(
      JSON.stringify({
        topic: 'tickers.BTCUSDT',
        type: 'delta',
        ts: at,
        cs: 1,
        data: { symbol: 'BTCUSDT', openInterest: '2200', singleOpenInterest: '1100' },
      })
    )
    await expect.poll(() => spikes.length, { timeout: 20_000 }).toBe(3)
    expectSpikes(spikes, 'bybit', at)
  }, 60_000)

  test('OKX: windows from rubik open-interest-history, the jump from the open-interest channel', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const okx = adapters.okx
    if (!okx) throw new Error('no okx adapter')
    const BTC = 'BTC-USDT-SWAP'
    const now = Date.now()
    const fake = await startFakeOkx()
    cleanups.push(() => fake.close())
    const period = { '5m': '5m', '15m': '15m', '1h': '1H' } as const
    // oi in contracts of 0.01 BTC, oiCcy in BTC
    const row = (value: number, ts: number): [number, string, string, string] => [
      ts,
      String(value * 100),
      String(value),
      String(value * 60_000),
    ]
    for (const tf of SPIKE_TIMEFRAMES) {
      fake.rest.setOpenInterestHistory(
        BTC,
        period[tf],
        history(tf, now).map(({ value, timestamp }) => row(value, timestamp))
      )
    }
    fake.rest.setMarkPrice(BTC, { markPx: '60000', ts: now })
    const spikes = await startStack(redis, keys, redisUrl, okx, {
      publicWs: fake.publicUrl,
      businessWs: fake.businessUrl,
      rest: fake.restUrl,
    })
    await fake.waitForSubscriber(`open-interest:${BTC}`, 20_000)
    const frame = (value: number, ts: number) => {
      const [, oi, oiCcy, oiUsd] = row(value, ts)
      return [okxEvents.openInterest({ instId: BTC, oi, oiCcy, oiUsd, ts })]
    }
    // a frame that arrives before the swap's contract size is loaded is dropped (by design):
    // the same calm frame is sent until the ingestor has published it
    await expect
      .poll(
        async () => {
          fake.emit({ channel: 'open-interest', instId: BTC }, frame(1010, now))
          return redis.exists(keys.latest('open-interest', 'okx', 'BTCUSDT'))
        },
        { timeout: 20_000 }
      )
      .toBe(1)
    expect(await judgedValue(redis, keys, 'okx', 1010)).toBe(now)
    expect(spikes).toEqual([])

    const at = Date.now()
    fake.emit({ channel: 'open-interest', instId: BTC }, frame(1100, at))
    await expect.poll(() => spikes.length, { timeout: 20_000 }).toBe(3)
    expectSpikes(spikes, 'okx', at)
  }, 60_000)
})
