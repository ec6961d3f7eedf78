import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { adapters, createMarket, learntOf, type ParseResult } from '@takashi/exchanges'
import { startSimulatedBybit } from '../src/bybit/index.ts'

let simulator: Awaited<ReturnType<typeof startSimulatedBybit>> | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await simulator?.stop()
  simulator = undefined
})

/** Subscribes on the simulator's socket and parses every frame with the Bybit adapter. */
async function subscribe(url: string, topics: string[]) {
  const adapter = adapters.bybit
  if (!adapter) throw new Error('no bybit adapter')
  const market = createMarket()
  const ctx = { receivedAt: Date.now(), symbols: new Set(['BTCUSDT', 'ETHUSDT']), market }
  const parser = adapter.createParser()
  const ws = new WebSocket(url)
  sockets.push(ws)
  const results: ParseResult[] = []
  ws.on('message', (data: Buffer) => {
    ctx.receivedAt = Date.now()
    const result = parser.parse(data.toString(), ctx)
    market.learn(learntOf(result) ?? {})
    results.push(result)
  })
  await once(ws, 'open')
  ws.send(JSON.stringify({ op: 'subscribe', args: topics }))
  return results
}

const kinds = (results: ParseResult[]) =>
  new Set(results.flatMap((r) => (r.kind === 'records' ? r.records.map((x) => x.kind) : [])))

describe('simulated Bybit', () => {
  test('streams trades, klines, tickers and liquidations the Bybit adapter reads without a bad frame', async () => {
    simulator = await startSimulatedBybit({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1m'] })
    expect(simulator.urls.BYBIT_WS_URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v5\/public\/linear$/)
    const results = await subscribe(simulator.urls.BYBIT_WS_URL!, [
      'publicTrade.BTCUSDT',
      'kline.1.BTCUSDT',
      'tickers.BTCUSDT',
      'allLiquidation.BTCUSDT',
    ])
    await expect
      .poll(() => [...kinds(results)].sort(), { timeout: 12_000, interval: 200 })
      .toEqual(['funding_rate', 'liquidation', 'ohlc', 'open_interest', 'trade'])
    expect(results.filter((r) => r.kind === 'invalid' || r.kind === 'venue_error')).toEqual([])
    // the first tickers frame is the snapshot: OI and funding at once, one side of the book
    const first = results.find(
      (r) => r.kind === 'records' && r.records.some((x) => x.kind === 'open_interest')
    )
    expect(first).toMatchObject({ stream: 'tickers.BTCUSDT' })
  }, 20_000)

  test('REST klines end with the candle the socket is building; history has a thousand', async () => {
    simulator = await startSimulatedBybit({ symbols: ['BTCUSDT'], intervals: ['1m'] })
    const rest = simulator.urls.BYBIT_REST_URL!
    const body = (await (
      await fetch(`${rest}/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&limit=1000`)
    ).json()) as { retCode: number; result: { list: string[][] } }
    expect(body.retCode).toBe(0)
    expect(body.result.list).toHaveLength(1000)
    const [newest, older] = body.result.list
    expect(Number(newest![0]) - Number(older![0])).toBe(60_000)
    expect(Number(newest![0])).toBe(Math.floor(Date.now() / 60_000) * 60_000)
    const oi = (await (
      await fetch(
        `${rest}/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=200`
      )
    ).json()) as { result: { list: { openInterest: string; singleOpenInterest: string }[] } }
    expect(oi.result.list).toHaveLength(200)
    const [row] = oi.result.list
    expect(Number(row!.openInterest)).toBeCloseTo(2 * Number(row!.singleOpenInterest), 2)
  })
})
