import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { freePort } from '@takashi/local-redis'
import { redisTest } from '@takashi/testing'
import { startFakeBinance } from '@takashi/fakes/binance'

const serviceDir = fileURLToPath(new URL('..', import.meta.url))

/** Runs the ingestor's entry point and collects its exit code and stderr. */
function runMain(
  args: string[],
  env: Record<string, string>
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: serviceDir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

test('a bad environment exits 1 naming each bad variable', async () => {
  const result = await runMain([], {
    EXCHANGE: 'binance',
    REDIS_URL: 'redis://127.0.0.1:1',
    METRICS_PORT: 'abc',
    OHLC_INTERVALS: '1m,7m',
  })
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(/^ {2}METRICS_PORT: .*"abc"/m)
  expect(result.stderr).toMatch(/^ {2}OHLC_INTERVALS: /m)
  expect(result.stderr).not.toMatch(/^ {2}EXCHANGE/m)
})

test('the exchange may come as the first argument and must have an adapter', async () => {
  const result = await runMain(['kraken'], { REDIS_URL: 'redis://127.0.0.1:1' })
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(/^ {2}EXCHANGE: expected one of binance.*"kraken"/m)
  const missing = await runMain([], {})
  expect(missing.code).toBe(1)
  expect(missing.stderr).toMatch(/^ {2}EXCHANGE: .*\(not set\)/m)
  expect(missing.stderr).toMatch(/^ {2}REDIS_URL: .*\(not set\)/m)
})

redisTest('serves /readyz once connected and exits 0 on SIGTERM', async ({ redisUrl }) => {
  const fake = await startFakeBinance()
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'binance'], {
    cwd: serviceDir,
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redisUrl,
      METRICS_PORT: String(port),
      SYMBOLS: 'BTCUSDT',
      OHLC_INTERVALS: '1m',
      LOG_LEVEL: 'silent',
      BINANCE_WS_URL: fake.wsUrl,
      BINANCE_REST_URL: fake.restUrl,
    },
    stdio: 'ignore',
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  try {
    const readyz = () =>
      fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => res.status,
        () => 0
      )
    await expect.poll(readyz, { timeout: 15_000, interval: 200 }).toBe(200)
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).toMatch(/takashi_ingestor_connected\{[^}]*connection="market-0"[^}]*\} 1/)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  } finally {
    child.kill('SIGKILL')
    await fake.close()
  }
})
