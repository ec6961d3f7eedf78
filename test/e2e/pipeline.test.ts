import { adapterOf, closedAfter, listen, startVenueStack, subscribed } from './helpers.ts'
import { describe, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import { redisTest as test } from '@takashi/testing'
import { binanceEvents, binanceKlineRows, startFakeBinance } from '@takashi/fakes/binance'
import { createClient, type TakashiClient } from '@takashi/client'

const MINUTE = 60_000

async function startStack(redis: Redis, keys: Keys, redisUrl: string) {
  const fake = closedAfter(await startFakeBinance())
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  fake.rest.setKlines('BTCUSDT', '1m', binanceKlineRows(lastOpen - MINUTE, 30))
  fake.rest.setOpenInterest('BTCUSDT', { openInterest: '80000.250', time: lastOpen })
  fake.rest.setPremiumIndex('BTCUSDT', {
    markPrice: '64010.50',
    lastFundingRate: '0.00010000',
    nextFundingTime: lastOpen + 8 * 3_600_000,
    time: lastOpen,
  })
  const { gateways, ingestorRegistry } = await startVenueStack({
    redis,
    redisUrl,
    keys,
    adapter: adapterOf('binance'),
    urls: { ws: fake.wsUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT'],
    gatewaySymbols: ['BTCUSDT', 'ETHUSDT'],
    timing: { pollEveryMs: 200, heartbeatMs: 100 },
    replicas: 2,
  })
  return { fake, lastOpen, gateways, ingestorRegistry }
}

describe('fake Binance → ingestor → Redis → aggregator → two gateways', () => {
  test('WebSocket clients on both replicas get exactly normalized records', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, gateways } = await startStack(redis, keys, redisUrl)
    const [one, two] = gateways as [(typeof gateways)[0], (typeof gateways)[0]]
    const trades = await listen(`${one.ws}/ws/binance/BTCUSDT/trades`)
    const liquidations = await listen(`${two.ws}/ws/binance/btcusdt/liquidations`)
    const large = await listen(`${two.ws}/ws/binance/BTCUSDT/large-trades?min_value_usd=200000`)
    const funding = await listen(`${one.ws}/ws/binance/BTCUSDT/funding-rate`)
    await subscribed(redis, keys.liveChannel('trades', 'binance', 'BTCUSDT'))
    await subscribed(redis, keys.feedChannel('liquidations', 'binance', 'BTCUSDT'))
    await subscribed(redis, keys.feedChannel('large-trades', 'binance', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('funding-rate', 'binance', 'BTCUSDT'))

    const t = Date.now()
    fake.emit(
      'btcusdt@aggTrade',
      binanceEvents.aggTrade({
        symbol: 'BTCUSDT',
        price: '64000.10',
        qty: '0.250',
        buyerIsMaker: true,
        id: 101,
        time: t,
      })
    )
    fake.emit(
      'btcusdt@aggTrade',
      binanceEvents.aggTrade({
        symbol: 'BTCUSDT',
        price: '64000.00',
        qty: '2.000',
        buyerIsMaker: false,
        id: 102,
        time: t + 1,
      })
    )
    fake.emit(
      'btcusdt@aggTrade',
      binanceEvents.aggTrade({
        symbol: 'BTCUSDT',
        price: '64000.00',
        qty: '4.000',
        buyerIsMaker: false,
        id: 103,
        time: t + 2,
      })
    )
    fake.emitRaw('{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","p":') // malformed: counted, dropped
    fake.emit(
      'btcusdt@forceOrder',
      binanceEvents.forceOrder({
        symbol: 'BTCUSDT',
        side: 'SELL',
        price: '63000.00',
        avgPrice: '63100.00',
        qty: '0.500',
        time: t + 3,
      })
    )
    fake.emit(
      'btcusdt@markPrice@1s',
      binanceEvents.markPrice({
        symbol: 'BTCUSDT',
        markPrice: '64010.50',
        fundingRate: '0.00012500',
        nextFundingTime: 1_900_000_000_000,
        time: t + 4,
      })
    )

    await expect.poll(() => trades.length).toBe(3)
    expect(trades[0]).toEqual({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: t,
      received_at: trades[0]?.received_at,
      id: 'binance:BTCUSDT:101',
      side: 'sell',
      price: 64000.1,
      quantity: 0.25,
      value_usd: 64000.1 * 0.25,
      trade_id: '101',
    })
    expect(trades.map((trade) => trade.side)).toEqual(['sell', 'buy', 'buy'])
    expect(trades[0]?.received_at).toBeGreaterThanOrEqual(t)

    // forceOrder side SELL closes a long: the liquidated position is the long
    await expect.poll(() => liquidations.length).toBe(1)
    expect(liquidations[0]).toMatchObject({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: t + 3,
      side: 'long',
      price: 63100,
      quantity: 0.5,
      value_usd: 63100 * 0.5,
    })
    expect(liquidations[0]?.id).toMatch(/^\d+-\d+$/)

    // LARGE_TRADE_MIN_USD keeps the $16k trade out; min_value_usd=200000 keeps the $128k one out
    await expect.poll(() => large.length).toBe(1)
    expect(large[0]).toMatchObject({
      trade_id: '103',
      side: 'buy',
      quantity: 4,
      value_usd: 256_000,
    })
    expect(large[0]?.id).toMatch(/^\d+-\d+$/)

    await expect.poll(() => funding.at(-1)?.funding_rate).toBe(0.000125)
    expect(funding.at(-1)).toMatchObject({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: t + 4,
      funding_rate: 0.000125,
      interval_hours: 8,
      next_funding_time: 1_900_000_000_000,
      mark_price: 64010.5,
    })
  })

  test('REST serves candles, open interest and funding, from the cache or through the ingestor', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { lastOpen, gateways, ingestorRegistry, fake } = await startStack(redis, keys, redisUrl)
    // REST through @takashi/client, one per replica
    const [one, two] = gateways.map((gateway) => createClient({ baseUrl: gateway.http })) as [
      TakashiClient,
      TakashiClient,
    ]
    const btc = { exchange: 'binance', symbol: 'BTCUSDT' } as const

    // the start-up backfill makes the newest candles a cache hit on any replica
    await expect
      .poll(() => two.ohlc({ ...btc, interval: '1m', limit: 3 }).then((candles) => candles.length))
      .toBe(3)
    // counted by path: the ingestor's own polls (every 200 ms here) may land in between
    const klineCalls = () => fake.requests.filter((r) => r.path === '/fapi/v1/klines').length
    const klinesBefore = klineCalls()
    const latest = await two.ohlc({ ...btc, interval: '1m', limit: 3 })
    expect(klineCalls()).toBe(klinesBefore)
    expect(latest.map((candle) => candle.timestamp)).toEqual([
      lastOpen - 3 * MINUTE,
      lastOpen - 2 * MINUTE,
      lastOpen - MINUTE,
    ])
    expect(latest[2]).toEqual({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: lastOpen - MINUTE,
      received_at: latest[2]?.received_at,
      interval: '1m',
      open: 64000,
      high: 64100,
      low: 63900,
      close: 64029.5,
      volume: 12.345,
      quote_volume: 790000.12,
      trades: 329,
      closed: true,
    })

    // a window before the cache is fetched from the exchange by the ingestor
    const start = lastOpen - 40 * MINUTE
    const old = await one.ohlc({ ...btc, interval: '1m', start_time: start, limit: 2 })
    expect(old.map((candle) => [candle.timestamp, candle.close])).toEqual([
      [lastOpen - 30 * MINUTE, 64000.5],
      [lastOpen - 29 * MINUTE, 64001.5],
    ])
    expect(
      fake.requests.some((r) => r.path === '/fapi/v1/klines' && r.query.startTime === String(start))
    ).toBe(true)

    await expect
      .poll(() => one.openInterest(btc))
      .toMatchObject({
        exchange: 'binance',
        symbol: 'BTCUSDT',
        open_interest: 80000.25,
        open_interest_usd: 80000.25 * 64010.5,
      })
    const funding = await two.fundingRate({ exchange: 'binance', symbol: 'btcusdt' })
    expect(funding).toMatchObject({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      funding_rate: 0.0001,
      interval_hours: 8,
      mark_price: 64010.5,
    })

    fake.emitRaw('not json at all')
    await expect
      .poll(() => ingestorRegistry.getSingleMetricAsString('takashi_ingestor_invalid_frames_total'))
      .toMatch(/kind="invalid"} [1-9]/)
    // /health reports the exchange once its data flows
    const health = async () => (await one.health()).exchanges.binance?.status
    expect(await health()).toBe('degraded')
    fake.emit(
      'btcusdt@markPrice@1s',
      binanceEvents.markPrice({
        symbol: 'BTCUSDT',
        markPrice: '64010.50',
        fundingRate: '0.0001',
        nextFundingTime: 0,
        time: Date.now(),
      })
    )
    await expect.poll(health).toBe('ok')
  })
})
