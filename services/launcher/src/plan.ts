import type { ExchangeId } from '@takashi/schemas'

export interface ProcessPlan {
  name: string
  /** path of the service entry point, relative to the repository root */
  entry: string
  env: Record<string, string>
  /** where its /metrics is served */
  metricsUrl: string
}

export interface PlanInput {
  exchanges: readonly ExchangeId[]
  available: ReadonlySet<ExchangeId>
  redisUrl: string
  port: number
  metricsPort: number
}

/**
 * The processes of one machine's stack (spec §1): an ingestor per exchange in EXCHANGES that has
 * an adapter, the aggregator and one gateway. Ingestor k serves /metrics on METRICS_PORT + k in
 * the order of EXCHANGES, the aggregator on the next port.
 */
export function planStack(input: PlanInput): { processes: ProcessPlan[]; skipped: ExchangeId[] } {
  const processes: ProcessPlan[] = []
  const skipped: ExchangeId[] = []
  input.exchanges.forEach((exchange, k) => {
    if (!input.available.has(exchange)) {
      skipped.push(exchange)
      return
    }
    const metricsPort = input.metricsPort + k
    processes.push({
      name: `ingestor ${exchange}`,
      entry: 'services/ingestor/src/main.ts',
      env: { EXCHANGE: exchange, REDIS_URL: input.redisUrl, METRICS_PORT: String(metricsPort) },
      metricsUrl: `http://localhost:${metricsPort}/metrics`,
    })
  })
  const aggregatorPort = input.metricsPort + input.exchanges.length
  processes.push({
    name: 'aggregator',
    entry: 'services/aggregator/src/main.ts',
    env: { REDIS_URL: input.redisUrl, METRICS_PORT: String(aggregatorPort) },
    metricsUrl: `http://localhost:${aggregatorPort}/metrics`,
  })
  processes.push({
    name: 'gateway',
    entry: 'services/gateway/src/main.ts',
    env: { REDIS_URL: input.redisUrl, PORT: String(input.port) },
    metricsUrl: `http://localhost:${input.port}/metrics`,
  })
  return { processes, skipped }
}

/** The start-up table the launcher prints. */
export function formatTable(processes: readonly ProcessPlan[], gatewayPort: number): string {
  const width = Math.max(...processes.map((p) => p.name.length))
  const lines = processes.map((p) => `  ${p.name.padEnd(width)}  metrics ${p.metricsUrl}`)
  return [
    `takashi is starting: REST and WebSocket on http://localhost:${gatewayPort} (docs at /docs)`,
    ...lines,
  ].join('\n')
}
