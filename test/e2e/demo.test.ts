import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { LargeTrade, Ohlc, OpenInterest } from '@takashi/schemas'
import { SIMULATED_EXCHANGES } from '@takashi/simulator/simulation'
import { startDemo } from './launcher.ts'

// `pnpm demo` as a newcomer runs it: the launcher with its children, against the simulator.
describe('pnpm demo', () => {
  test('serves simulated Binance trades over WebSocket and candles over REST, and stops on SIGTERM', async () => {
    const demo = await startDemo()
    const { port, metricsPort } = demo
    try {
      const trade = await firstMessage(`ws://127.0.0.1:${port}/ws/binance/BTCUSDT/trades`, 40_000)
      expect(LargeTrade.parse(trade)).toMatchObject({ exchange: 'binance', symbol: 'BTCUSDT' })

      await expect
        .poll(
          async () =>
            (await fetch(`http://127.0.0.1:${port}/binance/ohlc/BTCUSDT/1m?limit=5`)).status,
          {
            timeout: 20_000,
            interval: 500,
          }
        )
        .toBe(200)
      const candles = Ohlc.array().parse(
        await (await fetch(`http://127.0.0.1:${port}/binance/ohlc/BTCUSDT/1m?limit=5`)).json()
      )
      expect(candles).toHaveLength(5)
      expect(candles[4]!.timestamp - candles[0]!.timestamp).toBe(4 * 60_000)

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
      expect(metrics).toContain('takashi_ingestor_messages_total')
      expect(demo.output()).toContain(`metrics http://localhost:${metricsPort}/metrics`)
    } finally {
      expect(await demo.stop(), demo.output().slice(-3000)).toBe(0)
    }
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
  }, 90_000)

  test('every simulated exchange streams trades and serves candles and open interest', async () => {
    const demo = await startDemo({ EXCHANGES: SIMULATED_EXCHANGES.join(',') })
    const base = `http://127.0.0.1:${demo.port}`
    try {
      for (const exchange of SIMULATED_EXCHANGES) {
        const trade = await firstMessage(
          `ws://127.0.0.1:${demo.port}/ws/${exchange}/BTCUSDT/trades`,
          40_000
        )
        expect(LargeTrade.parse(trade)).toMatchObject({ exchange, symbol: 'BTCUSDT' })
        const ohlc = `${base}/${exchange}/ohlc/BTCUSDT/1m?limit=3`
        await expect.poll(async () => (await fetch(ohlc)).status, { timeout: 20_000 }).toBe(200)
        expect(Ohlc.array().parse(await (await fetch(ohlc)).json())).toHaveLength(3)
        // 4h is not streamed (OHLC_INTERVALS): a fetch job asks the simulated venue's REST
        const fourHours = await (await fetch(`${base}/${exchange}/ohlc/BTCUSDT/4h?limit=2`)).json()
        expect(
          Ohlc.array()
            .parse(fourHours)
            .map((candle) => [candle.interval, candle.timestamp % (4 * 3_600_000)])
        ).toEqual([
          ['4h', 0],
          ['4h', 0],
        ])
        const oi = `${base}/${exchange}/open-interest/BTCUSDT`
        await expect.poll(async () => (await fetch(oi)).status, { timeout: 20_000 }).toBe(200)
        expect(OpenInterest.parse(await (await fetch(oi)).json())).toMatchObject({ exchange })
      }
      const exchanges = (await (await fetch(`${base}/exchanges`)).json()) as { name: string }[]
      expect(exchanges.map((entry) => entry.name).sort()).toEqual([...SIMULATED_EXCHANGES].sort())
    } finally {
      expect(await demo.stop(), demo.output().slice(-3000)).toBe(0)
    }
  }, 120_000)
})

/** Connects (retrying while the stack starts) and resolves with the first JSON message. */
async function firstMessage(url: string, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      return await new Promise((resolve, reject) => {
        const ws = new WebSocket(url)
        const timer = setTimeout(
          () => {
            ws.terminate()
            reject(new Error('no message'))
          },
          Math.max(1_000, deadline - Date.now())
        )
        ws.once('message', (data: Buffer) => {
          clearTimeout(timer)
          ws.close()
          resolve(JSON.parse(data.toString()))
        })
        ws.once('error', (error) => {
          clearTimeout(timer)
          reject(error)
        })
      })
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
  }
  throw new Error(`no message on ${url} within ${timeoutMs} ms`)
}
