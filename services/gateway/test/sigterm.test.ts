import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Worker } from 'bullmq'
import { afterEach, expect, test } from 'vitest'
import { createKeys, createRedis } from '@takashi/bus'
import { freePort, startLocalRedis } from '@takashi/local-redis'
import { statusOf, unresponsiveClient } from './fault-helpers.ts'
import { connect, openInterest } from './helpers.ts'

// Spec §7: SIGTERM on a gateway process: /readyz turns 503, requests in flight finish,
// WebSockets are closed with 1001, and the process exits 0 within 10 s, even when a client
// never answers the close.

const root = fileURLToPath(new URL('../../../', import.meta.url))
const WAIT = { timeout: 15_000 }

const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The gateway as deployed: its own process, its own environment. */
async function spawnGateway(redisUrl: string) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PORT: String(port),
      EXCHANGES: 'binance',
      SYMBOLS: 'BTCUSDT',
      LOG_LEVEL: 'warn',
      FETCH_TIMEOUT_MS: '9000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { child, port, url: `http://127.0.0.1:${port}`, exited, output: () => output }
}

test('SIGTERM drains: /readyz 503, the request in flight finishes, 1001 to clients, a client that never answers is cut, exit 0 within 10 s', async () => {
  const server = await startLocalRedis()
  cleanups.push(() => server.stop())
  const gateway = await spawnGateway(server.url)
  await expect.poll(() => statusOf(`${gateway.url}/readyz`), WAIT).toBe(200)

  // The ingestor's side of a cache miss, answered when the test says so.
  const keys = createKeys()
  let answer: (value: unknown) => void = () => {}
  const answered = new Promise((resolve) => (answer = resolve))
  let jobs = 0
  const connection = createRedis(server.url, { blocking: true })
  const worker = new Worker(
    keys.fetchQueue('binance'),
    async () => {
      jobs++
      return answered
    },
    { connection, prefix: keys.bullPrefix }
  )
  cleanups.push(async () => {
    answer(null)
    await worker.close()
    connection.disconnect()
  })

  const normal = await connect(`ws://127.0.0.1:${gateway.port}/ws/binance/BTCUSDT/trades`)
  cleanups.push(() => normal.ws.terminate())
  const silent = await unresponsiveClient(gateway.port, '/ws/binance/BTCUSDT/trades')
  const inFlight = fetch(`${gateway.url}/binance/open-interest/BTCUSDT`)
  await expect.poll(() => jobs, WAIT).toBe(1)

  const signalled = performance.now()
  gateway.child.kill('SIGTERM')
  await expect.poll(() => statusOf(`${gateway.url}/readyz`), WAIT).toBe(503)
  expect((await normal.closed).code).toBe(1001)

  const record = openInterest()
  answer(record)
  const response = await inFlight
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual(record)

  await silent.closed
  const [code, signal] = await gateway.exited
  const exitMs = performance.now() - signalled
  expect({ code, signal }, gateway.output()).toEqual({ code: 0, signal: null })
  expect(exitMs).toBeLessThan(10_000)
}, 40_000)
