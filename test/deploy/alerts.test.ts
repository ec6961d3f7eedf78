import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { readAlertRules } from './dashboards.ts'

const operations = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8')

/** GitHub's anchor for a markdown heading. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')

describe('deploy/prometheus/alerts.yml', () => {
  const rules = readAlertRules()

  test('every alert has a summary and a runbook section in docs/operations.md', () => {
    const anchors = new Set(
      [...operations.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1]!))
    )
    expect(rules.length).toBeGreaterThanOrEqual(5)
    for (const rule of rules) {
      expect(rule.annotations?.summary, rule.alert).toBeTruthy()
      const runbook = rule.annotations?.runbook ?? ''
      expect(runbook, rule.alert).toBe(`docs/operations.md#alert-${rule.alert.toLowerCase()}`)
      expect(anchors.has(runbook.split('#')[1]!), runbook).toBe(true)
    }
  })

  test('thresholds: stale after 60 s, lag p99 over 2 s, 5xx ratio over 5 %', () => {
    const expr = (name: string) => rules.find((rule) => rule.alert === name)?.expr ?? ''
    expect(expr('ExchangeStale')).toMatch(/last_message_age_seconds\) > 60$/)
    expect(expr('IngestLagHigh')).toMatch(/histogram_quantile\(0\.99,[\s\S]*\) > 2\s*$/)
    expect(expr('GatewayErrorRatio')).toMatch(/status=~"5\.\."[\s\S]*> 0\.05\s*$/)
  })
})
