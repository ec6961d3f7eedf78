import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { adapters, createMarket, learntOf, type ParseResult } from '@takashi/exchanges'
import { startSimulatedOkx } from '../src/okx/index.ts'

let simulator: Awaited<ReturnType<typeof startSimulatedOkx>> | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await simulator?.stop()
  simulator = undefined
})

describe('simulated OKX', () => {
  test('both sockets stream what the OKX adapter reads without a bad frame, in contracts of the listed size', async () => {
    const adapter = adapters.okx
    if (!adapter) throw new Error('no okx adapter')
    simulator = await startSimulatedOkx({ symbols: ['BTCUSDT'], intervals: ['1m'] })
    const urls = simulator.urls
    const instruments = (await (
      await fetch(`${urls.OKX_REST_URL}/api/v5/public/instruments?instType=SWAP`)
    ).json()) as {
      data: { instId: string; ctVal: string }[]
    }
    expect(instruments.data.find((i) => i.instId === 'BTC-USDT-SWAP')?.ctVal).toBe('0.01')
    const market = createMarket()
    const ctx = { receivedAt: Date.now(), symbols: new Set(['BTCUSDT']), market }
    market.learn({ contractSize: { BTCUSDT: 0.01 } })
    const results: ParseResult[] = []
    const okxUrls = {
      publicWs: urls.OKX_WS_PUBLIC_URL!,
      businessWs: urls.OKX_WS_BUSINESS_URL!,
      rest: urls.OKX_REST_URL!,
    }
    for (const spec of adapter.connections(okxUrls, ['BTCUSDT'], ['1m'])) {
      const parser = adapter.createParser()
      const ws = new WebSocket(spec.url)
      sockets.push(ws)
      ws.on('message', (data: Buffer) => {
        ctx.receivedAt = Date.now()
        const result = parser.parse(data.toString(), ctx)
        market.learn(learntOf(result) ?? {})
        results.push(result)
      })
      await once(ws, 'open')
      for (const frame of spec.subscribe) ws.send(frame)
    }
    const kinds = () =>
      [
        ...new Set(
          results.flatMap((r) => (r.kind === 'records' ? r.records.map((x) => x.kind) : []))
        ),
      ].sort()
    await expect
      .poll(kinds, { timeout: 12_000, interval: 200 })
      .toEqual(['funding_rate', 'liquidation', 'ohlc', 'open_interest', 'trade'])
    expect(results.filter((r) => r.kind === 'invalid' || r.kind === 'venue_error')).toEqual([])
  }, 20_000)
})
