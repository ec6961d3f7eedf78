import {
  adapterOf,
  closedAfter,
  listen,
  startOiMonitor,
  startVenueStack,
  subscribed,
} from './helpers.ts'
import { expectSpikes, oiHistory } from './oi-history.ts'
import { describe, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import type { ExchangeAdapter, UrlEnv } from '@takashi/exchanges'
import { SPIKE_TIMEFRAMES, type ExchangeId } from '@takashi/schemas'
import { redisTest as test } from '@takashi/testing'
import { startFakeBybit } from '@takashi/fakes/bybit'
import { okxEvents, startFakeOkx } from '@takashi/fakes/okx'
import type { IngestorDeps } from '@takashi/ingestor'

/** Ingestor, monitor (floor an hour away) and gateway around a fake venue; its spikes heard. */
async function startStack<E extends UrlEnv>(
  redis: Redis,
  keys: Keys,
  redisUrl: string,
  adapter: ExchangeAdapter<E>,
  urls: IngestorDeps<E>['urls']
) {
  const { gateway } = await startVenueStack({
    redis,
    redisUrl,
    keys,
    adapter,
    urls,
    symbols: ['BTCUSDT'],
    timing: { heartbeatMs: 100 },
    aggregator: false,
  })
  await startOiMonitor({ redisUrl, keys, exchanges: [adapter.id], symbols: ['BTCUSDT'] })
  const spikes = await listen(`${gateway.ws}/ws/oi-spikes?exchanges=${adapter.id}`)
  await subscribed(redis, keys.feedChannel('oi-spikes', adapter.id, 'BTCUSDT'))
  return spikes
}

/**
 * Resolves the exchange time of the reading every OI series judged last, once it is `value`.
 * `nudge` repeats the venue's reading while waiting, as the venue itself does: a series whose
 * history could not be fetched yet is judged at the next reading.
 */
async function judgedValue(
  redis: Redis,
  keys: Keys,
  exchange: ExchangeId,
  value: number,
  nudge: () => void = () => {}
) {
  const times = new Set<string | null>()
  for (const tf of SPIKE_TIMEFRAMES) {
    const key = keys.spikeState(exchange, 'BTCUSDT', tf, 'open_interest')
    await expect
      .poll(
        () => {
          nudge()
          return redis.hget(key, 'open_value')
        },
        { timeout: 20_000 }
      )
      .toBe(String(value))
    times.add(await redis.hget(key, 'open_at'))
  }
  expect(times.size).toBe(1)
  return Number([...times][0])
}

describe('a mid-period OI jump on Bybit and OKX reaches /ws/oi-spikes', () => {
  test('Bybit: windows from /v5/market/open-interest, the jump from a tickers delta', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const now = Date.now()
    const fake = closedAfter(await startFakeBybit())
    const intervalTime = { '5m': '5min', '15m': '15min', '1h': '1h' } as const
    for (const tf of SPIKE_TIMEFRAMES) {
      fake.rest.setOpenInterest(
        'BTCUSDT',
        intervalTime[tf],
        oiHistory(tf, now).map(({ value, timestamp }) => ({
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
    const spikes = await startStack(redis, keys, redisUrl, adapterOf('bybit'), {
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
    const BTC = 'BTC-USDT-SWAP'
    const now = Date.now()
    const fake = closedAfter(await startFakeOkx())
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
        oiHistory(tf, now).map(({ value, timestamp }) => row(value, timestamp))
      )
    }
    fake.rest.setMarkPrice(BTC, { markPx: '60000', ts: now })
    const spikes = await startStack(redis, keys, redisUrl, adapterOf('okx'), {
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
    const calm = () => fake.emit({ channel: 'open-interest', instId: BTC }, frame(1010, now))
    expect(await judgedValue(redis, keys, 'okx', 1010, calm)).toBe(now)
    expect(spikes).toEqual([])

    const at = Date.now()
    fake.emit({ channel: 'open-interest', instId: BTC }, frame(1100, at))
    await expect.poll(() => spikes.length, { timeout: 20_000 }).toBe(3)
    expectSpikes(spikes, 'okx', at)
  }, 60_000)
})
