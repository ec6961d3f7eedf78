import {
  adapterOf,
  closedAfter,
  listen,
  startOiMonitor,
  startVenueStack,
  subscribed,
} from './helpers.ts'
import { calm, expectSpikes, oiHistory } from './oi-history.ts'
import { describe, expect } from 'vitest'
import { Registry } from 'prom-client'
import { readFeedAfter, type Keys, type Redis } from '@takashi/bus'
import { SPIKE_TIMEFRAMES, type ExchangeId } from '@takashi/schemas'
import { metricValue, redisTest as test } from '@takashi/testing'
import { startFakeBinance, type FakeBinance } from '@takashi/fakes/binance'

const OI_POLL_MS = 1_000

function setHistory(fake: FakeBinance, symbol: string, value: (i: number) => number, now: number) {
  for (const timeframe of SPIKE_TIMEFRAMES) {
    fake.rest.setOpenInterestHist(
      symbol,
      timeframe,
      oiHistory(timeframe, now, value).map(({ value, timestamp }) => ({
        sumOpenInterest: String(value),
        sumOpenInterestValue: String(value * 60_000),
        timestamp,
      }))
    )
  }
}

/** Fake Binance → ingestor (OI polled every second) → monitor → gateway. */
async function startStack(redis: Redis, keys: Keys, redisUrl: string, symbols: string[]) {
  const fake = closedAfter(await startFakeBinance())
  for (const symbol of symbols) {
    fake.rest.setPremiumIndex(symbol, {
      markPrice: '60000.00',
      lastFundingRate: '0.00010000',
      nextFundingTime: Date.now() + 3_600_000,
      time: Date.now(),
    })
  }
  const start = async () => {
    const { gateway } = await startVenueStack({
      redis,
      redisUrl,
      keys,
      adapter: adapterOf('binance'),
      urls: { ws: fake.wsUrl, rest: fake.restUrl },
      symbols,
      timing: { pollEveryMs: OI_POLL_MS, heartbeatMs: 100 },
      aggregator: false,
    })
    const registry = new Registry()
    await startOiMonitor({ redisUrl, keys, exchanges: ['binance'], symbols, registry })
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

    expectSpikes(everySpike, 'binance', jumpAt)
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
