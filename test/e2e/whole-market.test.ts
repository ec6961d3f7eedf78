import { describe, expect } from 'vitest'
import { metricValue, redisTest as test } from '@takashi/testing'
import { ALL_FORCE_ORDERS, binanceEvents, startFakeBinance } from '@takashi/fakes/binance'
import { bybitEvents, bybitTopic, startFakeBybit } from '@takashi/fakes/bybit'
import { startFakeHyperliquid } from '@takashi/fakes/hyperliquid'
import { baseOf, listedSymbols } from '@takashi/fakes/listing'
import { okxEvents, startFakeOkx } from '@takashi/fakes/okx'
import { adapterOf, closedAfter, ingestorReconnects } from './helpers.ts'
import {
  busiestSeconds,
  liquidationsArrived,
  liquidationsBySymbol,
  LISTING,
  SLOW,
  startWholeMarketIngestor,
  universeOf,
} from './whole-market.ts'

// SYMBOLS=all against fake venues listing hundreds of perpetuals: the universe in Redis, the
// sockets within each venue's limits, every symbol's liquidations, and listings and
// delistings followed without a restart.

const SYMBOLS = listedSymbols(300)
const LISTED = 'NEWUSDT'
const DELISTED = 'C0005USDT'
const served = (registry: Parameters<typeof metricValue>[0]) =>
  metricValue(registry, 'takashi_ingestor_symbols_served')
const open = (registry: Parameters<typeof metricValue>[0]) =>
  metricValue(registry, 'takashi_ingestor_connections_open')

describe('SYMBOLS=all: the whole market', () => {
  test('Binance: sockets of ≤ 200 streams, liquidations from !forceOrder@arr, listings followed', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const fake = closedAfter(await startFakeBinance({ symbols: SYMBOLS }))
    const registry = await startWholeMarketIngestor({
      redis,
      redisUrl,
      keys,
      adapter: adapterOf('binance'),
      urls: { ws: fake.wsUrl, rest: fake.restUrl },
    })
    await expect.poll(() => universeOf(redis, keys, 'binance')).toEqual([...SYMBOLS].sort())
    const streams = () => fake.connections().flatMap((connection) => connection.streams)
    // aggTrade, markPrice and kline_1m per symbol, and every liquidation on one stream
    await expect.poll(() => new Set(streams()).size, SLOW).toBe(300 * 3 + 1)
    expect(streams().filter((stream) => stream.includes('forceOrder'))).toEqual([ALL_FORCE_ORDERS])
    const sockets = fake.connections()
    expect(sockets).toHaveLength(5)
    for (const socket of sockets) {
      expect(socket.route).toBe('market')
      expect(socket.streams.length).toBeLessThanOrEqual(200)
    }
    expect(await served(registry)).toBe(300)
    await expect.poll(() => open(registry)).toBe(5)

    const at = Date.now()
    for (const symbol of SYMBOLS) {
      fake.emit(
        binanceEvents.streamName.forceOrder(symbol),
        binanceEvents.forceOrder({ symbol, side: 'SELL', price: '10', qty: '2', time: at })
      )
    }
    await liquidationsArrived(redis, keys, SYMBOLS)

    fake.rest.list(LISTED)
    fake.rest.delist(DELISTED)
    await expect.poll(() => streams(), LISTING).toContain('newusdt@aggTrade')
    await expect.poll(() => streams(), LISTING).not.toContain('c0005usdt@aggTrade')
    const universe = await universeOf(redis, keys, 'binance')
    expect([universe.includes(LISTED), universe.includes(DELISTED)]).toEqual([true, false])
    // the delisted symbol's liquidation is dropped, the new one's arrives
    for (const symbol of [DELISTED, LISTED]) {
      fake.emit(
        binanceEvents.streamName.forceOrder(symbol),
        binanceEvents.forceOrder({ symbol, side: 'BUY', price: '11', qty: '1', time: at + 1 })
      )
    }
    await liquidationsArrived(redis, keys, [LISTED])
    expect((await liquidationsBySymbol(redis, keys)).get(DELISTED)).toBe(1)
    // the changes went as SUBSCRIBE / UNSUBSCRIBE requests on the open sockets, within 10/s
    expect(fake.connections()).toHaveLength(5)
    for (const peak of busiestSeconds(fake.connections())) expect(peak).toBeLessThanOrEqual(10)
    expect(fake.connections().flatMap((c) => c.requestTimes).length).toBeGreaterThan(0)
  }, 300_000)

  test('Bybit: instruments read page by page, sockets of ≤ 200 topics, every allLiquidation', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const fake = closedAfter(await startFakeBybit({ symbols: SYMBOLS, instrumentsPageSize: 100 }))
    const registry = await startWholeMarketIngestor({
      redis,
      redisUrl,
      keys,
      adapter: adapterOf('bybit'),
      urls: { ws: fake.wsUrl, rest: fake.restUrl },
      // each refresh reads three pages: once a second keeps the refreshes and the start-up
      // backfill inside the budget of 1200 requests a minute
      universeEveryMs: 1_000,
    })
    await expect.poll(() => universeOf(redis, keys, 'bybit')).toHaveLength(300)
    const firstRead = fake.requests.filter((r) => r.path === '/v5/market/instruments-info')
    expect(firstRead.slice(0, 3).map((r) => r.query.cursor !== undefined)).toEqual([
      false,
      true,
      true,
    ])
    const topics = () => fake.connections().flatMap((connection) => connection.topics)
    // tickers, trades, liquidations and 1m klines per symbol
    await expect.poll(() => new Set(topics()).size, SLOW).toBe(300 * 4)
    expect(fake.connections()).toHaveLength(6)
    for (const socket of fake.connections()) expect(socket.topics.length).toBeLessThanOrEqual(200)
    // ten topics a request, 50 ms apart
    for (const peak of busiestSeconds(fake.connections())) expect(peak).toBeLessThanOrEqual(20)
    expect(await served(registry)).toBe(300)

    const at = Date.now()
    for (const symbol of SYMBOLS) {
      fake.emit(bybitTopic.liquidations(symbol), [
        bybitEvents.liquidation({ symbol, side: 'Buy', size: '3', price: '5', time: at }),
      ])
    }
    await liquidationsArrived(redis, keys, SYMBOLS)

    // one socket dropped: it comes back with its own share; the others send nothing
    const shares = () =>
      fake
        .connections()
        .map((c) => [...c.topics].sort().join())
        .sort()
    const before = shares()
    const droppedAt = Date.now()
    fake.dropConnections(2)
    await expect.poll(() => ingestorReconnects(registry)).toBe(1)
    await expect.poll(shares, SLOW).toEqual(before)
    const resent = fake
      .connections()
      .map((c) => c.requestTimes.filter((t) => t >= droppedAt).length)
    expect(resent.filter((count) => count > 0)).toEqual([20])

    fake.rest.list(LISTED)
    fake.rest.delist(DELISTED)
    await expect.poll(() => topics(), LISTING).toContain(bybitTopic.liquidations(LISTED))
    await expect.poll(() => topics(), LISTING).not.toContain(bybitTopic.trades(DELISTED))
    fake.emit(bybitTopic.liquidations(LISTED), [
      bybitEvents.liquidation({ symbol: LISTED, side: 'Sell', size: '1', price: '5', time: at }),
    ])
    await liquidationsArrived(redis, keys, [LISTED])
    expect(await universeOf(redis, keys, 'bybit')).not.toContain(DELISTED)
    expect(await served(registry)).toBe(300)
  }, 300_000)

  test('OKX: sockets of ≤ 400 args within 480 requests an hour, one liquidation channel for all', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const instIds = SYMBOLS.map((symbol) => `${baseOf(symbol)}-USDT-SWAP`)
    const fake = closedAfter(await startFakeOkx({ instIds }))
    const registry = await startWholeMarketIngestor({
      redis,
      redisUrl,
      keys,
      adapter: adapterOf('okx'),
      urls: { publicWs: fake.publicUrl, businessWs: fake.businessUrl, rest: fake.restUrl },
      // no candles: their start-up backfill (one request per series) would spend OKX's budget
      // of 300 a minute and hold the instrument refresh until the next minute; the business
      // sockets' sharding is checked in the adapter's tests
      intervals: [],
    })
    await expect.poll(() => universeOf(redis, keys, 'okx')).toHaveLength(300)
    const subscriptions = () => fake.connections().flatMap((connection) => connection.keys)
    // mark price, trades, OI and funding per swap + the liquidation channel
    await expect.poll(() => new Set(subscriptions()).size, SLOW).toBe(300 * 4 + 1)
    const sockets = fake.connections()
    expect(sockets.map((socket) => socket.path)).toEqual(['public', 'public', 'public', 'public'])
    for (const socket of sockets) {
      expect(socket.keys.length).toBeLessThanOrEqual(400)
      expect(socket.requestTimes.length).toBeLessThanOrEqual(480)
    }
    expect(subscriptions().filter((key) => key.startsWith('liquidation-orders'))).toEqual([
      'liquidation-orders:SWAP',
    ])
    await expect.poll(() => open(registry)).toBe(4)

    const at = Date.now()
    for (let i = 0; i < instIds.length; i += 50) {
      fake.emit(
        { channel: 'liquidation-orders', instType: 'SWAP' },
        instIds
          .slice(i, i + 50)
          .map((instId) =>
            okxEvents.liquidation({ instId, side: 'sell', sz: '2', bkPx: '7', ts: at })
          )
      )
    }
    await liquidationsArrived(redis, keys, SYMBOLS)

    fake.rest.list('NEW-USDT-SWAP')
    fake.rest.delist(`${baseOf(DELISTED)}-USDT-SWAP`)
    await expect.poll(() => subscriptions(), LISTING).toContain('trades:NEW-USDT-SWAP')
    await expect
      .poll(() => subscriptions(), LISTING)
      .not.toContain(`trades:${baseOf(DELISTED)}-USDT-SWAP`)
    fake.emit({ channel: 'liquidation-orders', instType: 'SWAP' }, [
      okxEvents.liquidation({ instId: 'NEW-USDT-SWAP', side: 'buy', sz: '1', bkPx: '7', ts: at }),
    ])
    await liquidationsArrived(redis, keys, [LISTED])
    for (const socket of fake.connections()) {
      expect(socket.requestTimes.length).toBeLessThanOrEqual(480)
    }
  }, 300_000)

  test('Hyperliquid: 460 coins within 1000 subscriptions and 10 sockets; OI and funding polled in bulk', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    // trades and contexts for 460 coins (920) pass the budget of 900: trades stream, contexts
    // come from one metaAndAssetCtxs poll; candles are left to REST (fetch-on-miss)
    const coins = listedSymbols(460).map(baseOf)
    const fake = closedAfter(await startFakeHyperliquid({ coins }))
    await startWholeMarketIngestor({
      redis,
      redisUrl,
      keys,
      adapter: adapterOf('hyperliquid'),
      urls: { ws: fake.wsUrl, rest: fake.restUrl },
      intervals: [],
      // the venue allows 2000 messages a minute; the test subscribes faster to stay short
      connection: { subscribeSpacingMs: 2 },
      // meta weighs 20 of the 600 a minute
      universeEveryMs: 3_000,
    })
    await expect.poll(() => universeOf(redis, keys, 'hyperliquid')).toHaveLength(460)
    const topics = () => fake.connections().flatMap((connection) => connection.subscriptions)
    await expect.poll(() => new Set(topics()).size, SLOW).toBe(460)
    expect(topics().every((topic) => topic.startsWith('trades:'))).toBe(true)
    expect(fake.connections()).toHaveLength(2)
    for (const socket of fake.connections()) {
      expect(socket.subscriptions.length).toBeLessThanOrEqual(250)
    }
    const latestMissing = async (symbols: readonly string[]) => {
      const found = await redis.mget(
        symbols.map((symbol) => keys.latest('open-interest', 'hyperliquid', symbol))
      )
      return symbols.filter((_, index) => found[index] === null)
    }
    await expect.poll(() => latestMissing(listedSymbols(460)), SLOW).toEqual([])

    fake.rest.list('NEW')
    fake.rest.delist('C0005')
    await expect.poll(() => topics(), LISTING).toContain('trades:NEW')
    await expect.poll(() => topics(), LISTING).not.toContain('trades:C0005')
    expect(await universeOf(redis, keys, 'hyperliquid')).toContain(LISTED)
    await expect.poll(() => latestMissing([LISTED]), SLOW).toEqual([])
    expect(fake.peakConnections()).toBeLessThanOrEqual(10)
    expect(
      fake.connections().reduce((sum, socket) => sum + socket.subscriptions.length, 0)
    ).toBeLessThanOrEqual(1000)
  }, 300_000)
})
