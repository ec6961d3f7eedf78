import { describe, expect, test } from 'vitest'
import { formatTable, planStack } from './plan.ts'

describe('planStack', () => {
  test('assigns METRICS_PORT + k in the order of EXCHANGES, then the aggregator', () => {
    const { processes, skipped } = planStack({
      exchanges: ['okx', 'binance'],
      available: new Set(['binance', 'okx']),
      redisUrl: 'redis://127.0.0.1:7000',
      port: 8080,
      metricsPort: 9100,
    })
    expect(skipped).toEqual([])
    expect(processes.map((p) => [p.name, p.env.METRICS_PORT ?? p.env.PORT])).toEqual([
      ['ingestor okx', '9100'],
      ['ingestor binance', '9101'],
      ['aggregator', '9102'],
      ['gateway', '8080'],
    ])
    expect(processes.every((p) => p.env.REDIS_URL === 'redis://127.0.0.1:7000')).toBe(true)
    expect(processes[0]?.env.EXCHANGE).toBe('okx')
  })

  test('skips exchanges without an adapter but keeps their port slot', () => {
    const { processes, skipped } = planStack({
      exchanges: ['binance', 'bybit'],
      available: new Set(['binance']),
      redisUrl: 'redis://x:1',
      port: 8080,
      metricsPort: 9100,
    })
    expect(skipped).toEqual(['bybit'])
    expect(processes.map((p) => p.name)).toEqual(['ingestor binance', 'aggregator', 'gateway'])
    expect(processes[1]?.env.METRICS_PORT).toBe('9102')
    expect(formatTable(processes, 8080)).toContain(
      'aggregator        metrics http://localhost:9102/metrics'
    )
  })
})
