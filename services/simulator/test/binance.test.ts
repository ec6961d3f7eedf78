import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { connectWs } from '@takashi/testing'
import { startSimulatedBinance } from '../src/binance/index.ts'
import type { SimulatedVenue } from '../src/venue.ts'

let simulator: SimulatedVenue | undefined
afterEach(async () => {
  await simulator?.stop()
  simulator = undefined
})

const decimal = expect.stringMatching(/^\d+(\.\d+)?$/) as unknown
const millis = expect.any(Number) as unknown

describe('simulated Binance', () => {
  test('streams aggTrade and markPrice@1s frames shaped like Binance within 3 s', async () => {
    simulator = await startSimulatedBinance({
      symbols: ['BTCUSDT', 'ETHUSDT'],
      intervals: ['1m', '5m'],
    })
    const { messages: frames } = await connectWs(
      `${simulator.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s`
    )
    const of = (stream: string) =>
      frames.find((frame) => (frame as { stream: string }).stream === stream)
    await expect
      .poll(() => of('btcusdt@aggTrade') && of('btcusdt@markPrice@1s'), { timeout: 3_000 })
      .toBeTruthy()

    expect(of('btcusdt@aggTrade')).toEqual({
      stream: 'btcusdt@aggTrade',
      data: expect.objectContaining({
        e: 'aggTrade',
        E: millis,
        a: millis,
        s: 'BTCUSDT',
        p: decimal,
        q: decimal,
        f: millis,
        l: millis,
        T: millis,
        m: expect.any(Boolean) as unknown,
      }) as unknown,
    })
    const trade = (of('btcusdt@aggTrade') as { data: { p: string } }).data
    expect(Number(trade.p)).toBeGreaterThan(40_000)
    expect(Number(trade.p)).toBeLessThan(80_000)
    expect(of('btcusdt@markPrice@1s')).toEqual({
      stream: 'btcusdt@markPrice@1s',
      data: expect.objectContaining({
        e: 'markPriceUpdate',
        E: millis,
        s: 'BTCUSDT',
        p: decimal,
        i: decimal,
        r: expect.stringMatching(/^-?\d+\.\d{8}$/) as unknown,
        T: millis,
      }) as unknown,
    })
    expect(
      frames.every((frame) => !String((frame as { stream: string }).stream).startsWith('eth'))
    ).toBe(true)
  })

  test('REST klines hold 1000 ascending rows ending with the open candle', async () => {
    simulator = await startSimulatedBinance({ symbols: ['BTCUSDT'], intervals: ['1m', '1h'] })
    for (const [interval, ms] of [
      ['1m', 60_000],
      ['1h', 3_600_000],
    ] as const) {
      const response = await fetch(
        `${simulator.urls.BINANCE_REST_URL}/fapi/v1/klines?symbol=BTCUSDT&interval=${interval}&limit=1000`
      )
      const rows = (await response.json()) as [
        number,
        string,
        string,
        string,
        string,
        string,
        number,
      ][]
      expect(rows).toHaveLength(1000)
      rows.slice(1).forEach((row, index) => expect(row[0] - rows[index]![0]).toBe(ms))
      const last = rows[999]!
      expect(last[0]).toBe(Math.floor(Date.now() / ms) * ms)
      expect(last[6]).toBe(last[0] + ms - 1)
      for (const row of rows) {
        expect(Number(row[2])).toBeGreaterThanOrEqual(Math.max(Number(row[1]), Number(row[4])))
        expect(Number(row[3])).toBeLessThanOrEqual(Math.min(Number(row[1]), Number(row[4])))
      }
    }
    const oi = (await (
      await fetch(`${simulator.urls.BINANCE_REST_URL}/fapi/v1/openInterest?symbol=BTCUSDT`)
    ).json()) as {
      openInterest: string
    }
    expect(Number(oi.openInterest)).toBeGreaterThan(0)
  })

  test('candles close at the interval boundary with a final x:true frame', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000
    let clock = minute + 59_000
    simulator = await startSimulatedBinance({
      symbols: ['BTCUSDT'],
      intervals: ['1m'],
      now: () => clock,
    })
    const { messages: frames } = await connectWs(
      `${simulator.urls.BINANCE_WS_URL}/market/ws/btcusdt@kline_1m`
    )
    await expect.poll(() => frames.length).toBeGreaterThan(0)
    clock = minute + 60_050
    const closed = () => frames.find((frame) => (frame as { k: { x: boolean } }).k.x)
    await expect.poll(closed, { timeout: 3_000 }).toBeTruthy()
    expect(closed()).toMatchObject({
      e: 'kline',
      s: 'BTCUSDT',
      k: { t: minute, T: minute + 59_999, i: '1m', x: true },
    })

    const response = await fetch(
      `${simulator.urls.BINANCE_REST_URL}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=2`
    )
    const rows = (await response.json()) as [number][]
    expect(rows.map((row) => row[0])).toEqual([minute, minute + 60_000])
  })

  test('stop() clears every timer and socket: a process that starts and stops it exits by itself', async () => {
    const script = [
      "import { startSimulatedBinance } from './services/simulator/src/binance/index.ts'",
      "const simulator = await startSimulatedBinance({ symbols: ['BTCUSDT'], intervals: ['1m'] })",
      "await fetch(simulator.urls.BINANCE_REST_URL + '/fapi/v1/exchangeInfo')",
      'await new Promise((resolve) => setTimeout(resolve, 1200))',
      'await simulator.stop()',
    ].join('\n')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        stdio: ['ignore', 'ignore', 'pipe'],
      }
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null]
    clearTimeout(timer)
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null })
  })
})
