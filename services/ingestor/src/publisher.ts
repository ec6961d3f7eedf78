import { publishRecords, type Keys, type Redis } from '@takashi/bus'
import type { MarketState } from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import type { NormalizedRecord } from '@takashi/schemas'
import { createSampler } from './backoff.ts'
import type { IngestorMetrics } from './metrics.ts'

export interface Publisher {
  /** queues records; everything queued in one event-loop turn is written in one round trip */
  publish(records: readonly NormalizedRecord[]): void
  /** writes at once and waits; rejects when Redis fails */
  publishNow(records: readonly NormalizedRecord[]): Promise<void>
  /** resolves once every queued write has finished */
  flush(): Promise<void>
}

export interface PublisherDeps {
  redis: Redis
  keys: Keys
  /** mark prices are kept here from funding records (parsers read them for `*_usd`) */
  market: MarketState
  metrics: IngestorMetrics
  log: Logger
  /** writes allowed in flight before new batches are dropped (Redis down or slow) */
  maxInFlight?: number
}

export function createPublisher(deps: PublisherDeps): Publisher {
  const { redis, keys, market, metrics } = deps
  const exchange = metrics.exchange
  const maxInFlight = deps.maxInFlight ?? 1_000
  const sampleFailure = createSampler(10_000)
  const inFlight = new Set<Promise<void>>()
  let queue: NormalizedRecord[] = []
  let scheduled: Promise<void> | undefined

  function remember(records: readonly NormalizedRecord[]): void {
    for (const item of records) {
      if (item.kind === 'funding_rate' && item.record.mark_price !== null) {
        market.markPrice.set(item.record.symbol, item.record.mark_price)
      }
    }
  }

  function observe(records: readonly NormalizedRecord[]): void {
    const now = Date.now()
    for (const item of records) {
      metrics.messages.inc({ exchange, stream: item.kind })
      // a candle's timestamp is its open time, not an event time
      if (item.kind !== 'ohlc') {
        const lag = Math.max(0, (now - item.record.timestamp) / 1000)
        metrics.lag.observe({ exchange, stream: item.kind }, lag)
      }
    }
  }

  async function write(records: readonly NormalizedRecord[]): Promise<void> {
    await publishRecords(redis, keys, records)
    observe(records)
  }

  function failed(err: unknown, count: number): void {
    metrics.publishErrors.inc({ exchange }, count)
    sampleFailure((skipped) => deps.log.warn({ err, records: count, skipped }, 'publish failed'))
  }

  function writeQueued(): void {
    scheduled = undefined
    const batch = queue
    queue = []
    if (batch.length === 0) return
    if (inFlight.size >= maxInFlight)
      return failed(new Error('too many writes in flight'), batch.length)
    const pending = write(batch)
      .catch((err: unknown) => failed(err, batch.length))
      .finally(() => inFlight.delete(pending))
    inFlight.add(pending)
  }

  return {
    publish(records) {
      if (records.length === 0) return
      remember(records)
      for (const record of records) queue.push(record)
      scheduled ??= new Promise((resolve) =>
        setImmediate(() => {
          writeQueued()
          resolve()
        })
      )
    },
    async publishNow(records) {
      remember(records)
      try {
        await write(records)
      } catch (err) {
        metrics.publishErrors.inc({ exchange }, records.length)
        throw err
      }
    },
    async flush() {
      if (scheduled) await scheduled
      await Promise.all([...inFlight])
    },
  }
}
