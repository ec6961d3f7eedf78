import {
  adapterOf,
  closedAfter,
  invalidFrames,
  ingestorReconnects,
  listen,
  startVenueStack,
  subscribed,
  E2E_CONNECTION,
  pongDeadlinePassed,
} from './helpers.ts'
import { describe, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import { redisTest as test } from '@takashi/testing'
import { okxEvents, startFakeOkx } from '@takashi/fakes/okx'
import { createClient } from '@takashi/client'

const MINUTE = 60_000
const BTC = 'BTC-USDT-SWAP'
const KEYS = [
  `mark-price:${BTC}`,
  `trades:${BTC}`,
  `open-interest:${BTC}`,
  `funding-rate:${BTC}`,
  'liquidation-orders:SWAP',
  `candle1m:${BTC}`,
]

async function startStack(redis: Redis, keys: Keys, redisUrl: string) {
  const fake = closedAfter(await startFakeOkx())
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  fake.rest.setCandles(
    BTC,
    '1m',
    Array.from({ length: 30 }, (_, i) =>
      okxEvents.candle({
        ts: lastOpen - (29 - i) * MINUTE,
        o: '64000',
        h: '64100',
        l: '63900',
        c: `${64000 + i}.5`,
        vol: 1234,
        contractSize: 0.01,
        volCcyQuote: '790000.12',
        confirm: i < 29,
      })
    )
  )
  fake.rest.setMarkPrice(BTC, { markPx: '64010.5', ts: lastOpen })
  fake.rest.setOpenInterest(BTC, {
    oi: '2000000',
    oiCcy: '20000',
    oiUsd: '1280210000',
    ts: lastOpen,
  })
  fake.rest.setFundingRate(BTC, {
    fundingRate: '0.0001',
    fundingTime: 1_900_000_000_000,
    nextFundingTime: 1_900_000_000_000 + 4 * 3_600_000,
    ts: lastOpen,
  })
  const { gateway, ingestorRegistry } = await startVenueStack({
    redis,
    redisUrl,
    keys,
    adapter: adapterOf('okx'),
    urls: { publicWs: fake.publicUrl, businessWs: fake.businessUrl, rest: fake.restUrl },
    symbols: ['BTCUSDT'],
    gatewaySymbols: ['BTCUSDT', 'ETHUSDT'],
    timing: { heartbeatMs: 100, backfillLimit: 10, connection: E2E_CONNECTION },
  })
  for (const key of KEYS) await fake.waitForSubscriber(key)
  return { fake, lastOpen, ingestorRegistry, ...gateway }
}

describe('fake OKX → ingestor → Redis → aggregator → gateway', () => {
  test('contracts become base units: trades, liquidations (sell = long), OI, funding, candles', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ws, http, ingestorRegistry } = await startStack(redis, keys, redisUrl)
    const trades = await listen(`${ws}/ws/okx/BTCUSDT/trades`)
    const liquidations = await listen(`${ws}/ws/liquidations?exchanges=okx`)
    const openInterest = await listen(`${ws}/ws/okx/BTC-USDT-SWAP/open-interest`)
    const funding = await listen(`${ws}/ws/okx/BTCUSDT/funding-rate`)
    const candles = await listen(`${ws}/ws/okx/BTCUSDT/ohlc?interval=1m`)
    await subscribed(redis, keys.liveChannel('trades', 'okx', 'BTCUSDT'))
    await subscribed(redis, keys.feedChannel('liquidations', 'okx', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('open-interest', 'okx', 'BTCUSDT'))
    await subscribed(redis, keys.liveChannel('funding-rate', 'okx', 'BTCUSDT'))
    await subscribed(redis, keys.ohlcChannel('okx', 'BTCUSDT', '1m'))

    const t = Date.now()
    // 30 contracts of BTC-USDT-SWAP (ctVal 0.01 BTC) are 0.3 BTC
    fake.emit({ channel: 'trades', instId: BTC }, [
      okxEvents.trade({
        instId: BTC,
        tradeId: '9001',
        px: '64000.5',
        sz: '30',
        side: 'sell',
        ts: t,
      }),
    ])
    await expect.poll(() => trades.length).toBe(1)
    expect(trades[0]).toEqual({
      exchange: 'okx',
      symbol: 'BTCUSDT',
      timestamp: t,
      received_at: trades[0]?.received_at,
      id: 'okx:BTCUSDT:9001',
      side: 'sell',
      price: 64000.5,
      quantity: 0.3,
      value_usd: 64000.5 * 0.3,
      trade_id: '9001',
    })

    fake.emit({ channel: 'liquidation-orders', instType: 'SWAP' }, [
      okxEvents.liquidation({ instId: BTC, side: 'sell', sz: '150', bkPx: '63000', ts: t }),
      okxEvents.liquidation({
        instId: 'ETH-USDT-SWAP',
        side: 'buy',
        sz: '10',
        bkPx: '3000',
        ts: t,
      }),
      okxEvents.liquidation({ instId: BTC, side: 'buy', sz: '20', bkPx: '65000', ts: t + 1 }),
    ])
    await expect.poll(() => liquidations.length).toBe(2)
    expect(liquidations[0]).toEqual({
      exchange: 'okx',
      symbol: 'BTCUSDT',
      timestamp: t,
      received_at: liquidations[0]?.received_at,
      id: liquidations[0]?.id,
      side: 'long',
      price: 63000,
      quantity: 1.5,
      value_usd: 94_500,
    })
    expect(liquidations[1]).toMatchObject({ side: 'short', quantity: 0.2, value_usd: 13_000 })
    const listed = await createClient({ baseUrl: http }).liquidations({ exchange: 'okx' })
    expect(listed).toEqual([liquidations[1], liquidations[0]])

    fake.emit({ channel: 'mark-price', instId: BTC }, [
      okxEvents.markPrice({ instId: BTC, markPx: '64100', ts: t }),
    ])
    fake.emit({ channel: 'open-interest', instId: BTC }, [
      okxEvents.openInterest({
        instId: BTC,
        oi: '2100000',
        oiCcy: '21000',
        oiUsd: '1346100000',
        ts: t,
      }),
    ])
    await expect.poll(() => openInterest.at(-1)?.open_interest).toBe(21000)
    expect(openInterest.at(-1)).toMatchObject({
      exchange: 'okx',
      timestamp: t,
      open_interest_usd: 1346100000,
    })
    const fundingTime = 1_900_000_000_000
    fake.emit({ channel: 'funding-rate', instId: BTC }, [
      okxEvents.fundingRate({
        instId: BTC,
        fundingRate: '-0.0002',
        fundingTime,
        nextFundingTime: fundingTime + 2 * 3_600_000,
        ts: t,
      }),
    ])
    await expect.poll(() => funding.at(-1)?.funding_rate).toBe(-0.0002)
    expect(funding.at(-1)).toMatchObject({
      interval_hours: 2,
      next_funding_time: fundingTime,
      mark_price: 64100,
    })

    const open = Date.now() - (Date.now() % MINUTE) + 10 * MINUTE
    const candle = (c: string, confirm: boolean) =>
      okxEvents.candle({
        ts: open,
        o: '64000',
        h: '64010',
        l: '63990',
        c,
        vol: 150,
        contractSize: 0.01,
        volCcyQuote: '96007.5',
        confirm,
      })
    fake.emit({ channel: 'candle1m', instId: BTC }, [candle('64005', false)])
    fake.emit({ channel: 'candle1m', instId: BTC }, [candle('64006', true)])
    const ours = () => candles.filter((record) => record.timestamp === open)
    await expect
      .poll(() => ours().map((r) => [r.closed, r.close, r.volume]))
      .toEqual([
        [false, 64005, 1.5],
        [true, 64006, 1.5],
      ])

    const invalid = () => invalidFrames(ingestorRegistry)
    expect(await invalid()).toBe(0)
    fake.emitRaw('{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"px":', 'public')
    await expect.poll(invalid).toBe(1)
  })

  test('REST: candles in base units from cache and history, OI and funding by either symbol form', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, http, lastOpen } = await startStack(redis, keys, redisUrl)
    const client = createClient({ baseUrl: http })
    const newest = { exchange: 'okx', symbol: 'BTCUSDT', interval: '1m', limit: 3 } as const
    await expect.poll(async () => (await client.ohlc(newest)).length).toBe(3)
    const latest = await client.ohlc(newest)
    expect(latest.map((c) => [c.timestamp, c.volume])).toEqual([
      [lastOpen - 2 * MINUTE, 12.34],
      [lastOpen - MINUTE, 12.34],
      [lastOpen, 12.34],
    ])
    const start = lastOpen - 29 * MINUTE
    const before = fake.requests.filter((r) => r.path.includes('candles')).length
    const old = await client.ohlc({
      exchange: 'okx',
      symbol: BTC,
      interval: '1m',
      start_time: start,
      end_time: start + MINUTE,
    })
    expect(old.map((c) => c.timestamp)).toEqual([start, start + MINUTE])
    expect(fake.requests.filter((r) => r.path.includes('candles')).length).toBeGreaterThan(before)

    const oi = await client.openInterest({ exchange: 'okx', symbol: 'BTCUSDT' })
    expect(oi).toMatchObject({
      exchange: 'okx',
      open_interest: 20000,
      open_interest_usd: 1280210000,
    })
    const rate = await client.fundingRate({ exchange: 'okx', symbol: BTC })
    expect(rate).toMatchObject({ symbol: 'BTCUSDT', funding_rate: 0.0001, interval_hours: 4 })
  })

  test('both sockets come back with every subscription after unanswered pings or a drop', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { fake, ingestorRegistry } = await startStack(redis, keys, redisUrl)
    const reconnectsOf = (socket: string) => () => ingestorReconnects(ingestorRegistry, socket)
    const publicReconnects = reconnectsOf('public')
    const businessReconnects = reconnectsOf('business')
    const subscriptions = () =>
      fake
        .connections()
        .flatMap((c) => c.keys)
        .sort()
    expect(subscriptions()).toEqual([...KEYS].sort())

    // the public and the business socket each miss their pongs and are each replaced
    expect([await publicReconnects(), await businessReconnects()]).toEqual([0, 0])
    fake.answerPings(false)
    await expect.poll(publicReconnects, { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
    await expect.poll(businessReconnects, { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
    fake.answerPings(true)
    await expect.poll(subscriptions, { timeout: 5_000 }).toEqual([...KEYS].sort())
    await pongDeadlinePassed(fake)
    const afterPings = [await publicReconnects(), await businessReconnects()] as const
    fake.dropConnections()
    await expect.poll(publicReconnects, { timeout: 5_000 }).toBeGreaterThan(afterPings[0])
    await expect.poll(businessReconnects, { timeout: 5_000 }).toBeGreaterThan(afterPings[1])
    await expect.poll(subscriptions, { timeout: 5_000 }).toEqual([...KEYS].sort())
    expect(
      fake
        .connections()
        .map((c) => c.path)
        .sort()
    ).toEqual(['business', 'public'])
  })
})
