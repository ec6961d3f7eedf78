import { describe, expect } from 'vitest'
import { Registry } from 'prom-client'
import { redisTest as test } from '@takashi/testing'
import { binanceEvents, startFakeBinance } from '@takashi/fakes/binance'
import { listedSymbols } from '@takashi/fakes/listing'
import { createGateway } from '@takashi/gateway'
import {
  adapterOf,
  cleanups,
  closedAfter,
  getJson,
  listen,
  silent,
  startAggregator,
} from './helpers.ts'
import { LISTING, SLOW, startWholeMarketIngestor } from './whole-market.ts'

// SYMBOLS=all downstream of a real ingestor: the gateway serves what the venue lists, follows a
// listing and a delisting, and one whole-market feed client gets every symbol's liquidations.

const SYMBOLS = listedSymbols(300)
const LISTED = 'NEWUSDT'
const DELISTED = 'C0005USDT'

describe('SYMBOLS=all from the venue to the client', () => {
  test('Binance listing 300 perpetuals: served, counted, followed; every liquidation delivered', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const fake = closedAfter(await startFakeBinance({ symbols: SYMBOLS }))
    await startWholeMarketIngestor({
      redis,
      redisUrl,
      keys,
      adapter: adapterOf('binance'),
      urls: { ws: fake.wsUrl, rest: fake.restUrl },
    })
    await startAggregator(redisUrl, keys)
    const gateway = createGateway({
      redisUrl,
      keys,
      log: silent('gateway'),
      registry: new Registry(),
      exchanges: [adapterOf('binance')],
      symbols: 'all',
      intervals: ['1m'],
      fetchTimeoutMs: 5_000,
    })
    const port = await gateway.listen(0)
    cleanups.push(() => gateway.stop())
    const http = `http://127.0.0.1:${port}`
    const served = async () =>
      (await getJson<{ name: string; symbols: number }[]>(`${http}/exchanges`))[0]?.symbols
    await expect.poll(served, SLOW).toBe(300)

    // one whole-market client: every symbol's liquidation, once
    const liquidations = await listen(`ws://127.0.0.1:${port}/ws/liquidations`)
    const feedWide = keys.feedAllChannel('liquidations')
    await expect
      .poll(async () => ((await redis.pubsub('NUMSUB', feedWide)) as [string, number])[1])
      .toBe(1)
    // the ingestor listens to every symbol before the venue emits
    const streams = () => fake.connections().flatMap((connection) => connection.streams)
    await expect.poll(() => new Set(streams()).size, SLOW).toBe(300 * 3 + 1)
    const at = Date.now()
    for (const symbol of SYMBOLS) {
      fake.emit(
        binanceEvents.streamName.forceOrder(symbol),
        binanceEvents.forceOrder({ symbol, side: 'SELL', price: '10', qty: '2', time: at })
      )
    }
    await expect.poll(() => liquidations.length, SLOW).toBe(300)
    expect(new Set(liquidations.map((record) => record.symbol)).size).toBe(300)

    // a listing is served and streamed, a delisting is a 404
    fake.rest.list(LISTED)
    fake.rest.delist(DELISTED)
    const status = async (symbol: string) =>
      (await fetch(`${http}/binance/open-interest/${symbol}`)).status
    await expect.poll(() => status(DELISTED), LISTING).toBe(404)
    // served now: answered from the venue on a miss, not refused
    await expect.poll(() => status(LISTED), SLOW).toBe(200)
    expect(await served()).toBe(300)
    await expect.poll(() => streams(), SLOW).toContain('newusdt@aggTrade')
    fake.emit(
      binanceEvents.streamName.forceOrder(LISTED),
      binanceEvents.forceOrder({ symbol: LISTED, side: 'BUY', price: '11', qty: '1', time: at + 1 })
    )
    await expect.poll(() => liquidations.at(-1)?.symbol, SLOW).toBe(LISTED)
    expect(liquidations).toHaveLength(301)
  }, 240_000)
})
