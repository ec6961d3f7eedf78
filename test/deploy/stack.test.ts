import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startDemo, within } from '../e2e/launcher.ts'
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

async function ready(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while ((await status(url)) !== 200) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return true
}

// The stack as the launcher runs it (against the simulator), scraped like Prometheus would.
describe('the running stack', () => {
  test('every process serves /livez, /readyz and /metrics; every dashboard and alert expression reads exported metrics; SIGTERM closes WebSocket clients with 1001', async () => {
    const stack = await startDemo()
    const { port, metricsPort } = stack
    const processes = {
      gateway: `http://127.0.0.1:${port}`,
      ingestor: `http://127.0.0.1:${metricsPort}`,
      aggregator: `http://127.0.0.1:${metricsPort + 1}`,
    }
    const log = () => stack.output().slice(-3000)
    try {
      const exported = new Set<string>()
      for (const [name, base] of Object.entries(processes)) {
        if (!(await ready(`${base}/readyz`, 30_000))) expect.fail(`${name} never ready:\n${log()}`)
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
      const first = new Promise((resolve, reject) => {
        ws.once('message', resolve)
        ws.once('error', reject)
      })
      await within(15_000, first, () => `no trade on the WebSocket:\n${log()}`)
      const exitCode = stack.stop()
      expect(await within(15_000, closed, () => `no close frame:\n${log()}`)).toBe(1001)
      expect(await exitCode, log()).toBe(0)
    } finally {
      expect(await stack.stop(), log()).toBe(0)
    }
  }, 150_000)
})
