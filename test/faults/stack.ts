import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, expect } from 'vitest'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { freePorts } from '@takashi/local-redis'
import { startOwnedRedis, type OwnedRedis } from '@takashi/testing'
import {
  binanceEvents,
  binanceKlineRow,
  startFakeBinance,
  type FakeBinance,
} from '@takashi/fakes/binance'

const MINUTE = 60_000

// The fault suite's stack: real ingestor, aggregator and gateway processes against a fake Binance
// the test drives and a Redis the test owns (it kills and restarts it), as in production.

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A process of the stack, restartable with the same environment. */
export interface StackProcess {
  name: string
  running(): boolean
  /** everything it printed */
  output(): string
  start(): void
  /** SIGKILL: a crash, no clean-up */
  kill(): Promise<void>
  /** SIGTERM; resolves with the exit code */
  stop(): Promise<number | null>
}

function stackProcess(name: string, entry: string, env: Record<string, string>): StackProcess {
  let child: ChildProcess | undefined
  let exited: Promise<number | null> = Promise.resolve(null)
  let output = ''
  const proc: StackProcess = {
    name,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    output: () => output,
    start() {
      const started = spawn(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child = started
      const append = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000))
      started.stdout?.on('data', append)
      started.stderr?.on('data', append)
      exited = new Promise((resolve) => started.once('exit', (code) => resolve(code)))
    },
    async kill() {
      if (proc.running()) child?.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (proc.running()) child?.kill('SIGTERM')
      return exited
    },
  }
  return proc
}

/** One command on a short-lived connection. */
export async function ask<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return await run(redis)
  } finally {
    redis.disconnect()
  }
}

/** Resolves once `check` holds, polling every 100 ms; throws after `ms`. */
export async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<number> {
  const started = Date.now()
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return Date.now() - started
}

/**
 * The venue's side: a liquidation every `everyMs` (each with its own exchange time, so each is a
 * distinct event) plus a trade and the open candle, as a busy market would send them.
 */
export function driveVenue(venue: FakeBinance, everyMs = 100) {
  // each liquidation's quantity is its own (0.001 × n), so a record names the event it came from
  const sent: number[] = []
  let n = 0
  const tick = () => {
    n += 1
    const quantity = Number((0.001 * n).toFixed(3))
    const time = Date.now()
    sent.push(quantity)
    venue.emit(
      binanceEvents.streamName.forceOrder('BTCUSDT'),
      binanceEvents.forceOrder({
        symbol: 'BTCUSDT',
        side: n % 2 ? 'SELL' : 'BUY',
        price: '64000',
        qty: quantity.toFixed(3),
        time,
      })
    )
    venue.emit(
      binanceEvents.streamName.aggTrade('BTCUSDT'),
      binanceEvents.aggTrade({
        symbol: 'BTCUSDT',
        price: '64000.5',
        qty: '0.010',
        buyerIsMaker: n % 2 === 0,
        id: n,
        time,
      })
    )
  }
  // the 1m candle: the venue's REST rows and its socket agree, minute after minute
  const rows = new Map<number, { volume: number; trades: number }>()
  const candle = () => {
    const openTime = Math.floor(Date.now() / MINUTE) * MINUTE
    const row = rows.get(openTime) ?? { volume: 0, trades: 0 }
    row.volume += 0.01
    row.trades += 1
    const previous = rows.size > 0 ? Math.max(...rows.keys()) : undefined
    rows.set(openTime, row)
    const fields = (time: number) => {
      const { volume, trades } = rows.get(time)!
      const v = volume.toFixed(3)
      return {
        interval: '1m',
        openTime: time,
        o: '64000.5',
        h: '64000.5',
        l: '64000.5',
        c: '64000.5',
        v,
        q: (volume * 64000.5).toFixed(2),
        n: trades,
      }
    }
    venue.rest.setKlines(
      'BTCUSDT',
      '1m',
      [...rows.keys()].sort((a, b) => a - b).map((time) => binanceKlineRow(fields(time)))
    )
    const stream = binanceEvents.streamName.kline('BTCUSDT', '1m')
    if (previous !== undefined && previous < openTime) {
      venue.emit(
        stream,
        binanceEvents.kline({ symbol: 'BTCUSDT', closed: true, ...fields(previous) })
      )
    }
    venue.emit(
      stream,
      binanceEvents.kline({ symbol: 'BTCUSDT', closed: false, ...fields(openTime) })
    )
  }
  const timer = setInterval(() => {
    tick()
    candle()
  }, everyMs)
  return {
    /** open times of the candles the venue has, oldest first */
    candleTimes: () => [...rows.keys()].sort((a, b) => a - b),
    /** the liquidation quantities sent so far, in order */
    sent: () => [...sent],
    stop: () => clearInterval(timer),
  }
}

/** A WebSocket client that keeps every record it receives (mux envelopes unwrapped). */
export function recorder(url: string, subscribe?: object) {
  const records: Record<string, unknown>[] = []
  const ws = new WebSocket(url)
  let closeCode: number | undefined
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>
    if (message.type === 'data') records.push(message.data as Record<string, unknown>)
    else if (message.type === undefined) records.push(message)
  })
  ws.on('close', (code) => (closeCode = code))
  ws.on('error', () => {})
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      if (subscribe) ws.send(JSON.stringify(subscribe))
      resolve()
    })
    ws.once('error', reject)
  })
  return { records, ws, opened, closed: () => closeCode }
}

export interface FaultStack {
  venue: FakeBinance
  /** the Redis the test owns (none when the stack runs on given Sentinels) */
  redis: OwnedRedis | undefined
  ingestor: StackProcess
  aggregator: StackProcess
  gateway: StackProcess
  http: string
  ws: string
  /** /health is 200 and /readyz of every process is 200 */
  serving(): Promise<boolean>
  /** the sum of a metric's samples on the aggregator's /metrics */
  aggregatorMetric(name: string): Promise<number>
  stop(): Promise<void>
}

/** Starts Redis (unless a backbone is given), the venue and the three processes, and waits. */
export async function startFaultStack(
  backbone: Record<string, string> | undefined = undefined
): Promise<FaultStack> {
  const [ingestorPort, aggregatorPort, gatewayPort] = await freePorts(3).then(
    (first) => [first, first + 1, first + 2] as const
  )
  const redis = backbone ? undefined : await startOwnedRedis()
  const venue = await startFakeBinance()
  venue.rest.setOpenInterest('BTCUSDT', { openInterest: '80000.250', time: Date.now() })
  venue.rest.setPremiumIndex('BTCUSDT', {
    markPrice: '64010.50',
    lastFundingRate: '0.00010000',
    nextFundingTime: Date.now() + 8 * 3_600_000,
    time: Date.now(),
  })
  const env = {
    ...(backbone ?? { REDIS_URL: redis?.url ?? '' }),
    EXCHANGES: 'binance',
    SYMBOLS: 'BTCUSDT',
    OHLC_INTERVALS: '1m',
    LOG_LEVEL: 'warn',
    OI_MONITOR_POLL_MS: '1000',
    BINANCE_WS_URL: venue.wsUrl,
    BINANCE_REST_URL: venue.restUrl,
  }
  const ingestor = stackProcess('ingestor', 'services/ingestor/src/main.ts', {
    ...env,
    EXCHANGE: 'binance',
    METRICS_PORT: String(ingestorPort),
  })
  const aggregator = stackProcess('aggregator', 'services/aggregator/src/main.ts', {
    ...env,
    METRICS_PORT: String(aggregatorPort),
  })
  const gateway = stackProcess('gateway', 'services/gateway/src/main.ts', {
    ...env,
    PORT: String(gatewayPort),
  })
  const http = `http://127.0.0.1:${gatewayPort}`
  const status = (url: string) =>
    fetch(url).then(
      (res) => res.status,
      () => 0
    )
  const stack: FaultStack = {
    venue,
    redis,
    ingestor,
    aggregator,
    gateway,
    http,
    ws: `ws://127.0.0.1:${gatewayPort}`,
    async serving() {
      const codes = await Promise.all([
        status(`${http}/health`),
        status(`${http}/readyz`),
        status(`http://127.0.0.1:${ingestorPort}/readyz`),
        status(`http://127.0.0.1:${aggregatorPort}/readyz`),
      ])
      return codes.every((code) => code === 200)
    },
    async aggregatorMetric(name) {
      const text = await fetch(`http://127.0.0.1:${aggregatorPort}/metrics`).then((res) =>
        res.text()
      )
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
    },
    async stop() {
      await Promise.all([ingestor.stop(), aggregator.stop(), gateway.stop()])
      await venue.close()
      await redis?.stop()
    },
  }
  for (const proc of [ingestor, aggregator, gateway]) proc.start()
  try {
    await until(() => stack.serving(), 30_000)
    await venue.waitForSubscriber('btcusdt@forceOrder', 10_000)
  } catch (error) {
    const logs = [ingestor, aggregator, gateway].map((p) => `--- ${p.name}\n${p.output()}`)
    await stack.stop()
    throw new Error(`the stack did not start: ${String(error)}\n${logs.join('\n')}`)
  }
  return stack
}

/** Every liquidation in /liquidations, by quantity (each event's own), oldest first. */
export async function listedQuantities(http: string): Promise<number[]> {
  const res = await fetch(`${http}/liquidations?exchange=binance&limit=1000`)
  if (res.status !== 200) return []
  const records = (await res.json()) as { quantity: number }[]
  return records.map((record) => record.quantity).reverse()
}

/** The quantities of liquidation records: each names the event it came from (driveVenue). */
export const quantities = (records: Record<string, unknown>[]) =>
  records.map((record) => record.quantity as number)

/** A path stream and a /ws subscription of every liquidation, open before the venue sends. */
export async function liquidationClients(stack: FaultStack) {
  const path = recorder(`${stack.ws}/ws/liquidations`)
  const mux = recorder(`${stack.ws}/ws`, { op: 'subscribe', id: 'liq', path: '/ws/liquidations' })
  await Promise.all([path.opened, mux.opened])
  return { path, mux }
}

/** Both liquidation clients and a driven venue, once five events have reached each client. */
export async function flowingLiquidations(stack: FaultStack) {
  const { path, mux } = await liquidationClients(stack)
  const venue = driveVenue(stack.venue)
  await until(() => path.records.length >= 5 && mux.records.length >= 5, 10_000)
  return { path, mux, venue }
}

/**
 * Stops the venue and checks that both clients got every event it sent, once each and in order;
 * returns what it sent.
 */
export async function expectEverySentDelivered(
  venue: ReturnType<typeof driveVenue>,
  clients: ReturnType<typeof recorder>[]
) {
  venue.stop()
  const sent = venue.sent()
  await until(() => clients.every((client) => client.records.length >= sent.length), 15_000)
  for (const client of clients) expect(quantities(client.records)).toEqual(sent)
  return sent
}

/** /liquidations once it lists the event `last` last, by quantity, oldest first. */
export async function listedThrough(http: string, last: number | undefined) {
  await until(async () => (await listedQuantities(http)).at(-1) === last, 10_000)
  return listedQuantities(http)
}

/** Every process of the stack still runs (the output of one that exited is shown). */
export function expectAllRunning(stack: FaultStack) {
  for (const proc of [stack.ingestor, stack.aggregator, stack.gateway]) {
    expect(proc.running(), `${proc.name} exited:\n${proc.output()}`).toBe(true)
  }
}

/**
 * For a test file: `start()` runs a stack for the current test (on `backbone` when given) and
 * stops it after the test, whatever happened.
 */
export function faultStackPerTest() {
  let stack: FaultStack | undefined
  afterEach(async () => {
    await stack?.stop()
    stack = undefined
  })
  return async (backbone?: Record<string, string>) => (stack = await startFaultStack(backbone))
}
