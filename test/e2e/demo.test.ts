import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { freePort } from '@takashi/bus'
import { LargeTrade, Ohlc } from '@takashi/schemas'

// `pnpm demo` as a newcomer runs it: the launcher with its children, against the simulator.
describe('pnpm demo', () => {
  test('serves simulated Binance trades over WebSocket and candles over REST, and stops on SIGTERM', async () => {
    const port = await freePort()
    const metricsPort = 20_000 + Math.floor(Math.random() * 20_000)
    const simulatorPort = await freePort()
    const launcher = spawn(
      process.execPath,
      ['--import', 'tsx', 'services/launcher/src/main.ts', '--demo'],
      {
        env: {
          ...process.env,
          REDIS_URL: '',
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          SIMULATOR_PORT: String(simulatorPort),
          EXCHANGES: 'binance',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    let output = ''
    launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
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
      expect(output).toContain(`metrics http://localhost:${metricsPort}/metrics`)
    } finally {
      launcher.kill('SIGTERM')
      const [code] = (await once(launcher, 'exit')) as [number | null]
      expect(code, output.slice(-3000)).toBe(0)
    }
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
  }, 90_000)
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
