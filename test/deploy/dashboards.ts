import { readdirSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'

const DEPLOY = new URL('../../deploy/', import.meta.url)

export interface Expression {
  /** where it is used, e.g. `gateway.json: Latency p99 by route` */
  where: string
  expr: string
  /** a Grafana variable query (`label_values(...)`) rather than a PromQL expression */
  variable?: boolean
}

interface Panel {
  title?: string
  panels?: Panel[]
  targets?: { expr?: string }[]
}

interface Dashboard {
  title: string
  panels: Panel[]
  templating?: { list?: { name: string; query?: string | { query?: string } }[] }
}

export interface AlertRule {
  alert: string
  expr: string
  annotations?: Record<string, string>
}

export function readDashboards(): { file: string; dashboard: Dashboard }[] {
  const dir = new URL('grafana/dashboards/', DEPLOY)
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Dashboard,
    }))
}

export function readAlertRules(): AlertRule[] {
  const text = readFileSync(new URL('prometheus/alerts.yml', DEPLOY), 'utf8')
  const doc = parse(text) as { groups: { rules: AlertRule[] }[] }
  return doc.groups.flatMap((group) => group.rules)
}

/** Every PromQL expression of the dashboards (panels, rows, variables) and the alert rules. */
export function allExpressions(): Expression[] {
  const found: Expression[] = []
  for (const { file, dashboard } of readDashboards()) {
    const visit = (panels: Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) found.push({ where: `${file}: ${panel.title}`, expr: target.expr })
        }
        visit(panel.panels ?? [])
      }
    }
    visit(dashboard.panels)
    for (const variable of dashboard.templating?.list ?? []) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query
      if (query) found.push({ where: `${file}: $${variable.name}`, expr: query, variable: true })
    }
  }
  for (const rule of readAlertRules()) found.push({ where: `alert ${rule.alert}`, expr: rule.expr })
  return found
}
