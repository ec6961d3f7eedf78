import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { connectWs } from '@takashi/testing'
import { INTERVALS } from '@takashi/schemas'
import { startSimulation, type Simulation } from '../src/simulation.ts'

// SYMBOLS=all: every simulated venue lists a few hundred instruments in its own format.

let simulation: Simulation
beforeAll(async () => {
  simulation = await startSimulation({
    exchanges: ['binance', 'bybit', 'okx', 'hyperliquid'],
    symbols: 'all',
    intervals: INTERVALS,
    streamedIntervals: ['1m'],
  })
}, 60_000)
afterAll(() => simulation.stop())

const getJson = async (url: string, init?: RequestInit): Promise<unknown> =>
  (await fetch(url, init)).json()

describe('simulated whole market', () => {
  test('Binance exchangeInfo lists hundreds of trading USDT perpetuals', async () => {
    const info = (await getJson(`${simulation.urls.BINANCE_REST_URL}/fapi/v1/exchangeInfo`)) as {
      symbols: { symbol: string; contractType: string; quoteAsset: string; status: string }[]
    }
    const perpetuals = info.symbols.filter(
      (s) => s.contractType === 'PERPETUAL' && s.quoteAsset === 'USDT' && s.status === 'TRADING'
    )
    expect(perpetuals.length).toBeGreaterThan(300)
    expect(perpetuals.map((s) => s.symbol)).toEqual(
      expect.arrayContaining(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'])
    )
    // the delivery contract is still there for the ingestor to leave out
    expect(info.symbols.some((s) => s.contractType !== 'PERPETUAL')).toBe(true)
  })

  test('Bybit instruments-info pages hundreds of linear perpetuals with its cursor', async () => {
    type Page = {
      retCode: number
      result: { list: { symbol: string; status: string }[]; nextPageCursor: string }
    }
    const symbols: string[] = []
    let cursor = ''
    for (let page = 0; page < 10; page++) {
      const query = `category=linear&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const body = (await getJson(
        `${simulation.urls.BYBIT_REST_URL}/v5/market/instruments-info?${query}`
      )) as Page
      expect(body.retCode).toBe(0)
      symbols.push(...body.result.list.map((item) => item.symbol))
      cursor = body.result.nextPageCursor
      if (!cursor) break
    }
    expect(symbols.length).toBeGreaterThan(300)
    expect(new Set(symbols).size).toBe(symbols.length)
  })

  test('OKX SWAP instruments and Hyperliquid meta list a few hundred each', async () => {
    const okx = (await getJson(
      `${simulation.urls.OKX_REST_URL}/api/v5/public/instruments?instType=SWAP`
    )) as { data: { instId: string; ctType: string; state: string }[] }
    const linear = okx.data.filter((i) => i.ctType === 'linear' && i.instId.endsWith('-USDT-SWAP'))
    expect(linear.length).toBeGreaterThan(200)
    expect(linear.every((i) => i.state === 'live')).toBe(true)

    const meta = (await getJson(`${simulation.urls.HYPERLIQUID_REST_URL}/info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'meta' }),
    })) as { universe: { name: string; isDelisted?: boolean }[] }
    const listed = meta.universe.filter((asset) => !asset.isDelisted)
    expect(listed.length).toBeGreaterThan(150)
    expect(listed.map((asset) => asset.name)).toEqual(expect.arrayContaining(['BTC', 'ETH']))
  })

  test('a minor symbol trades now and then and keeps a window of candles; majors trade on', async () => {
    const klines = (await getJson(
      `${simulation.urls.BINANCE_REST_URL}/fapi/v1/klines?symbol=SOLUSDT&interval=1m&limit=1000`
    )) as unknown[]
    // enough for a 100-period spike window and a page of 100, not a full 1,000
    expect(klines.length).toBeGreaterThanOrEqual(120)
    expect(klines.length).toBeLessThan(130)
    const { messages } = await connectWs(
      `${simulation.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`
    )
    await expect.poll(() => messages.length, { timeout: 5_000 }).toBeGreaterThan(3)
  })
})
