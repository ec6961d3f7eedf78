import { Registry } from 'prom-client'
import { describe, expect, test } from 'vitest'
import { createGatewayMetrics } from './metrics.ts'

async function samples(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return (metric?.values ?? []) as { labels: Record<string, string | number>; value: number }[]
}

describe('answer tallies', () => {
  test('every answer counted is in the metrics when they are read, across batches', async () => {
    const registry = new Registry()
    const metrics = createGatewayMetrics(registry)
    const route = '/:exchange/open-interest/:symbol'
    const tally = metrics.answerTally(route, 200, { kind: 'open_interest', result: 'memory' })
    // one more than two whole batches, with one slow answer
    for (let i = 0; i < 2_049; i++) tally.add(i === 7 ? 0.3 : 0.0001)
    expect(metrics.answerTally(route, 200, { kind: 'open_interest', result: 'memory' })).toBe(tally)

    const requests = await samples(registry, 'takashi_gateway_http_requests_total')
    expect(requests).toContainEqual({ labels: { route, status: '200' }, value: 2_049 })
    const cache = await samples(registry, 'takashi_gateway_cache_requests_total')
    expect(cache).toContainEqual({
      labels: { kind: 'open_interest', result: 'memory' },
      value: 2_049,
    })
    const durations = await samples(registry, 'takashi_gateway_http_request_duration_seconds')
    const bucket = (le: number) =>
      durations.find((s) => s.labels.le === le && s.labels.route === route)?.value
    expect(bucket(0.0005)).toBe(2_048)
    expect(bucket(0.25)).toBe(2_048)
    expect(bucket(0.5)).toBe(2_049)
    const sum = durations.find((s) => 'metricName' in s && String(s.metricName).endsWith('_sum'))
    expect(sum?.value).toBeCloseTo(0.3 + 2_048 * 0.0001, 9)

    // read again: nothing is counted twice
    const again = await samples(registry, 'takashi_gateway_http_requests_total')
    expect(again).toContainEqual({ labels: { route, status: '200' }, value: 2_049 })
  })
})
