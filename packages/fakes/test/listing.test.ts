import { describe, expect, test } from 'vitest'
import { connectWs } from '@takashi/testing'
import { ALL_FORCE_ORDERS, binanceEvents, startFakeBinance } from '../src/binance/index.ts'
import { startFakeBybit } from '../src/bybit/index.ts'
import { startFakeHyperliquid } from '../src/hyperliquid/index.ts'
import { listedSymbols, peakRequests } from '../src/listing.ts'
import { startFakeOkx } from '../src/okx/index.ts'
import { venuePerTest } from './venue.ts'

const binanceVenue = venuePerTest(startFakeBinance)
const bybitVenue = venuePerTest(startFakeBybit)
const okxVenue = venuePerTest(startFakeOkx)
const hyperliquidVenue = venuePerTest(startFakeHyperliquid)

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  return (await (await fetch(url, init)).json()) as Record<string, unknown>
}

describe('listings', () => {
  test('made-up symbols: BTC and ETH first, then numbered coins every venue can name', () => {
    expect(listedSymbols(4)).toEqual(['BTCUSDT', 'ETHUSDT', 'C0002USDT', 'C0003USDT'])
    expect(new Set(listedSymbols(300)).size).toBe(300)
  })

  test('the busiest window of request times', () => {
    // 200 … 1150 lie within one second
    expect(peakRequests([0, 100, 200, 1_000, 1_050, 1_100, 1_150], 1_000)).toBe(5)
    expect(peakRequests([0, 1_000, 2_000], 1_000)).toBe(1)
    expect(peakRequests([], 1_000)).toBe(0)
  })

  test('Binance exchangeInfo lists the listing; a delisting leaves it', async () => {
    const binance = await binanceVenue({ symbols: listedSymbols(300) })
    const symbolsOf = async () =>
      ((await getJson(`${binance.restUrl}/fapi/v1/exchangeInfo`)).symbols as { symbol: string }[])
        .map((entry) => entry.symbol)
        .filter((symbol) => !symbol.includes('_'))
    expect(await symbolsOf()).toHaveLength(300)
    binance.rest.delist('C0002USDT')
    binance.rest.list('NEWUSDT')
    const after = await symbolsOf()
    expect(after).toContain('NEWUSDT')
    expect(after).not.toContain('C0002USDT')
  })

  test('Binance sends every symbol liquidation to !forceOrder@arr and records SUBSCRIBE times', async () => {
    const binance = await binanceVenue()
    const client = await connectWs(`${binance.wsUrl}/market/stream`)
    await client.ask({ method: 'SUBSCRIBE', params: [ALL_FORCE_ORDERS], id: 1 })
    const order = binanceEvents.forceOrder({
      symbol: 'ETHUSDT',
      side: 'SELL',
      price: '2000',
      qty: '1',
      time: 1,
    })
    binance.emit(binanceEvents.streamName.forceOrder('ETHUSDT'), order)
    await expect.poll(() => client.messages.length).toBe(2)
    expect(client.messages[1]).toEqual({ stream: ALL_FORCE_ORDERS, data: order })
    expect(binance.connections()[0]?.requestTimes).toHaveLength(1)
    expect(binance.peakConnections()).toBe(1)
  })

  test('Bybit pages instruments-info with a cursor; delisted ones show Closed', async () => {
    const bybit = await bybitVenue({ symbols: listedSymbols(250), instrumentsPageSize: 100 })
    bybit.rest.delist('ETHUSDT')
    const pages: { symbol: string; status: string }[][] = []
    let cursor = ''
    do {
      const query = `category=linear&limit=1000${cursor ? `&cursor=${cursor}` : ''}`
      const body = await getJson(`${bybit.restUrl}/v5/market/instruments-info?${query}`)
      const result = body.result as {
        list: { symbol: string; status: string }[]
        nextPageCursor: string
      }
      pages.push(result.list)
      cursor = result.nextPageCursor
    } while (cursor !== '')
    expect(pages.map((page) => page.length)).toEqual([100, 100, 50])
    const all = pages.flat()
    expect(new Set(all.map((item) => item.symbol)).size).toBe(250)
    expect(all.find((item) => item.symbol === 'ETHUSDT')?.status).toBe('Closed')
  })

  test('OKX lists the swaps given; list and delist change the instrument list', async () => {
    const okx = await okxVenue({ instIds: ['BTC-USDT-SWAP', 'ETH-USDT-SWAP'] })
    okx.rest.list('NEW-USDT-SWAP')
    okx.rest.delist('BTC-USDT-SWAP')
    const body = await getJson(`${okx.restUrl}/api/v5/public/instruments?instType=SWAP`)
    expect((body.data as { instId: string }[]).map((item) => item.instId)).toEqual([
      'ETH-USDT-SWAP',
      'NEW-USDT-SWAP',
    ])
  })

  test('Hyperliquid caps subscriptions per IP, across sockets; a delisted coin is marked', async () => {
    const coins = listedSymbols(600).map((symbol) => symbol.replace(/USDT$/, ''))
    const hl = await hyperliquidVenue({ coins })
    hl.rest.delist('ETH')
    const meta = (await getJson(`${hl.restUrl}/info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'meta' }),
    })) as { universe: { name: string; isDelisted?: boolean }[] }
    expect(meta.universe).toHaveLength(600)
    expect(meta.universe.find((asset) => asset.name === 'ETH')?.isDelisted).toBe(true)

    const first = await connectWs(hl.wsUrl)
    const second = await connectWs(hl.wsUrl)
    for (const coin of coins) {
      first.send({ method: 'subscribe', subscription: { type: 'trades', coin } })
    }
    await expect.poll(() => hl.connections()[0]?.subscriptions.length).toBe(600)
    for (const coin of coins) {
      second.send({ method: 'subscribe', subscription: { type: 'activeAssetCtx', coin } })
    }
    await expect.poll(() => hl.connections()[1]?.requestTimes.length).toBe(600)
    expect(hl.connections()[1]?.subscriptions).toHaveLength(400)
    await expect
      .poll(() => second.messages)
      .toContainEqual({ channel: 'error', data: 'Cannot track more than 1000 total subscriptions' })
  })
})
