import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { connectWs } from '@takashi/testing'
import { startSimulatedHyperliquid } from '../src/hyperliquid/index.ts'
import type { SimulatedVenue } from '../src/venue.ts'

let simulator: SimulatedVenue | undefined
afterEach(async () => {
  await simulator?.stop()
  simulator = undefined
})

/** Subscribes on the simulator's socket and keeps every frame (the greeting as text). */
async function subscribe(url: string, subscriptions: Record<string, string>[]) {
  const client = await connectWs(url)
  for (const subscription of subscriptions) client.send({ method: 'subscribe', subscription })
  return client.messages
}

async function info(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${url}/info`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(200)
  return response.json()
}

const decimal = expect.stringMatching(/^\d+(\.\d+)?$/) as unknown
const millis = expect.any(Number) as unknown
type Frame = { channel: string; data: unknown }

describe('simulated Hyperliquid', () => {
  test('streams trades and asset contexts shaped like Hyperliquid within 3 s', async () => {
    simulator = await startSimulatedHyperliquid({
      symbols: ['BTCUSDT', '1000PEPEUSDT'],
      intervals: ['1m', '6h'],
    })
    expect(Object.keys(simulator.urls).sort()).toEqual([
      'HYPERLIQUID_REST_URL',
      'HYPERLIQUID_WS_URL',
    ])
    expect(simulator.urls.HYPERLIQUID_WS_URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/)
    const frames = await subscribe(simulator.urls.HYPERLIQUID_WS_URL!, [
      { type: 'trades', coin: 'BTC' },
      { type: 'activeAssetCtx', coin: 'kPEPE' },
    ])
    const of = (channel: string) =>
      frames.find((frame) => (frame as Frame).channel === channel) as Frame
    await expect.poll(() => of('trades') && of('activeAssetCtx'), { timeout: 3_000 }).toBeTruthy()

    expect(frames[0]).toBe('Websocket connection established.')
    const trades = of('trades').data as Record<string, unknown>[]
    expect(trades.length).toBeGreaterThan(0)
    for (const trade of trades) {
      expect(trade).toEqual({
        coin: 'BTC',
        side: expect.stringMatching(/^[AB]$/) as unknown,
        px: decimal,
        sz: decimal,
        time: millis,
        hash: expect.any(String) as unknown,
        tid: millis,
      })
    }
    expect(Number(trades[0]!.px)).toBeGreaterThan(40_000)
    expect(of('activeAssetCtx').data).toEqual({
      coin: 'kPEPE',
      ctx: expect.objectContaining({
        funding: expect.stringMatching(/^-?\d+\.\d{8}$/) as unknown,
        openInterest: decimal,
        markPx: decimal,
        oraclePx: decimal,
      }) as unknown,
    })
    expect(frames.some((frame) => (frame as Frame).channel === 'error')).toBe(false)
  })

  test('REST: meta lists the coins, contexts carry OI and mark, 1000 candles per interval, hourly funding', async () => {
    simulator = await startSimulatedHyperliquid({
      symbols: ['BTCUSDT', '1000PEPEUSDT'],
      intervals: ['1m', '1h', '6h'],
    })
    const rest = simulator.urls.HYPERLIQUID_REST_URL!
    const [meta, ctxs] = (await info(rest, { type: 'metaAndAssetCtxs' })) as [
      { universe: { name: string }[] },
      { openInterest: string; markPx: string }[],
    ]
    const names = meta.universe.map((asset) => asset.name)
    expect(names).toEqual(expect.arrayContaining(['BTC', 'kPEPE']))
    const btc = ctxs[names.indexOf('BTC')]!
    expect(Number(btc.openInterest)).toBeGreaterThan(0)
    expect(Number(btc.markPx)).toBeGreaterThan(40_000)

    for (const [interval, ms] of [
      ['1m', 60_000],
      ['1h', 3_600_000],
    ] as const) {
      const rows = (await info(rest, {
        type: 'candleSnapshot',
        req: { coin: 'BTC', interval, startTime: 0, endTime: Date.now() + ms },
      })) as { t: number; T: number; o: string; h: string; l: string; c: string; n: number }[]
      expect(rows).toHaveLength(1000)
      rows.slice(1).forEach((row, index) => expect(row.t - rows[index]!.t).toBe(ms))
      const last = rows[999]!
      expect(last.t).toBe(Math.floor(Date.now() / ms) * ms)
      expect(last.T).toBe(last.t + ms - 1)
      for (const row of rows) {
        expect(Number(row.h)).toBeGreaterThanOrEqual(Math.max(Number(row.o), Number(row.c)))
        expect(Number(row.l)).toBeLessThanOrEqual(Math.min(Number(row.o), Number(row.c)))
      }
    }
    // only the requested intervals are simulated (6h, which Hyperliquid lacks, is skipped)
    const notRequested = (await info(rest, {
      type: 'candleSnapshot',
      req: { coin: 'BTC', interval: '4h', startTime: 0 },
    })) as unknown[]
    expect(notRequested).toEqual([])

    const funding = (await info(rest, { type: 'fundingHistory', coin: 'BTC', startTime: 0 })) as {
      time: number
    }[]
    expect(funding).toHaveLength(500)
    expect(funding[1]!.time - funding[0]!.time).toBe(3_600_000)
  })

  test('at a boundary the next candle opens and is pushed, so the previous one is final', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000
    let clock = minute + 59_000
    simulator = await startSimulatedHyperliquid({
      symbols: ['BTCUSDT'],
      intervals: ['1m'],
      now: () => clock,
    })
    const frames = await subscribe(simulator.urls.HYPERLIQUID_WS_URL!, [
      { type: 'candle', coin: 'BTC', interval: '1m' },
    ])
    const candles = () =>
      frames
        .filter((frame) => (frame as Frame).channel === 'candle')
        .map((frame) => (frame as { data: { t: number; T: number; s: string; i: string } }).data)
    await expect.poll(() => candles().length, { timeout: 3_000 }).toBeGreaterThan(0)
    expect(candles()[0]).toMatchObject({ t: minute, T: minute + 59_999, s: 'BTC', i: '1m' })
    clock = minute + 60_050
    await expect
      .poll(() => candles().some((candle) => candle.t === minute + 60_000), { timeout: 3_000 })
      .toBe(true)

    const rows = (await info(simulator.urls.HYPERLIQUID_REST_URL!, {
      type: 'candleSnapshot',
      req: { coin: 'BTC', interval: '1m', startTime: minute, endTime: clock },
    })) as { t: number }[]
    expect(rows.map((row) => row.t)).toEqual([minute, minute + 60_000])
  })

  test('stop() clears every timer and socket: a process that starts and stops it exits by itself', async () => {
    const script = [
      "import { startSimulatedHyperliquid } from './services/simulator/src/hyperliquid/index.ts'",
      "const sim = await startSimulatedHyperliquid({ symbols: ['BTCUSDT'], intervals: ['1m'] })",
      "await fetch(sim.urls.HYPERLIQUID_REST_URL + '/info', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{\"type\":\"meta\"}' })",
      'await new Promise((resolve) => setTimeout(resolve, 1200))',
      'await sim.stop()',
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
