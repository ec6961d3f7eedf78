import { describe, expect, test } from 'vitest'
import { exposedNames, metricNames, variableMetricNames } from './promql.ts'

describe('metricNames', () => {
  test('reads names out of functions, matchers, ranges, grouping and Grafana variables', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (stream, le) (rate(takashi_ingestor_lag_seconds_bucket{exchange="$exchange", stream=~"a|b"}[$__rate_interval]))) > 2'
      )
    ).toEqual(['takashi_ingestor_lag_seconds_bucket'])
    expect(
      metricNames(
        'sum(rate(a_total{status=~"5.."}[5m])) / sum(rate(b_total[5m])) or up{job="x"} == 0'
      )
    ).toEqual(['a_total', 'b_total', 'up'])
    expect(variableMetricNames('label_values(takashi_ingestor_messages_total, exchange)')).toEqual([
      'takashi_ingestor_messages_total',
    ])
  })

  test('exposedNames expands histograms into their sample names', () => {
    const names = exposedNames('# HELP x_seconds h\n# TYPE x_seconds histogram\n# TYPE y gauge\n')
    expect([...names].sort()).toEqual([
      'x_seconds',
      'x_seconds_bucket',
      'x_seconds_count',
      'x_seconds_sum',
      'y',
    ])
  })
})
