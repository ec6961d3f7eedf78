import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { freePort } from '@takashi/bus'
import { allExpressions, readAlertRules } from './dashboards.ts'
import { exposedNames, metricNames, variableMetricNames } from './promql.ts'

/** Series Prometheus makes itself for every scrape target, not exported by any process. */
const PROMETHEUS_SERIES = new Set(['up'])

async function status(url: string): Promise<number> {
  return fetch(url).then(
    (res) => res.status,
    () => 0
  )
}

// The stack as the launcher runs it (against the simulator), scraped like Prometheus would.
describe('the running stack', () => {
  test('every process serves /livez, /readyz and /metrics; every dashboard and alert expression reads exported metrics; SIGTERM closes WebSocket clients with 1001', async () => {
    const port = await freePort()
    const metricsPort = 20_000 + Math.floor(Math.random() * 20_000)
    const launcher = spawn(
      process.execPath,
      ['--import', 'tsx', 'services/launcher/src/main.ts', '--demo'],
      {
        env: {
          ...process.env,
          REDIS_URL: '',
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          SIMULATOR_PORT: String(await freePort()),
          EXCHANGES: 'binance',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    let output = ''
    launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const processes = {
      gateway: `http://127.0.0.1:${port}`,
      ingestor: `http://127.0.0.1:${metricsPort}`,
      aggregator: `http://127.0.0.1:${metricsPort + 1}`,
    }
    try {
      const exported = new Set<string>()
      for (const [name, base] of Object.entries(processes)) {
        await expect
          .poll(() => status(`${base}/readyz`), { timeout: 40_000, interval: 250, message: name })
          .toBe(200)
        expect(await status(`${base}/livez`)).toBe(200)
        const metrics = await fetch(`${base}/metrics`)
        expect(metrics.status).toBe(200)
        const names = exposedNames(await metrics.text())
        expect([...names].some((n) => n.startsWith(`takashi_${name}_`))).toBe(true)
        for (const n of names) exported.add(n)
      }

      const expressions = allExpressions()
      expect(expressions.length).toBeGreaterThan(20)
      const unknown: string[] = []
      for (const { where, expr, variable } of expressions) {
        const names = variable ? variableMetricNames(expr) : metricNames(expr)
        expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0)
        for (const name of names) {
          if (!exported.has(name) && !PROMETHEUS_SERIES.has(name)) unknown.push(`${where}: ${name}`)
        }
      }
      expect(unknown).toEqual([])
      expect(readAlertRules().map((rule) => rule.alert)).toEqual(
        expect.arrayContaining([
          'ExchangeStale',
          'ReconnectStorm',
          'IngestLagHigh',
          'GatewayErrorRatio',
          'RedisDown',
        ])
      )

      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/binance/BTCUSDT/trades`)
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
      await new Promise((resolve, reject) => {
        ws.once('message', resolve)
        ws.once('error', reject)
      })
      launcher.kill('SIGTERM')
      expect(await closed).toBe(1001)
    } finally {
      if (launcher.exitCode === null) launcher.kill('SIGTERM')
      const [code] = (await once(launcher, 'exit')) as [number | null]
      expect(code, output.slice(-3000)).toBe(0)
    }
  }, 90_000)
})
