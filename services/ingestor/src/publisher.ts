import {
  publishRecords,
  restoreLatest,
  type IngestEvent,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { NormalizedRecord } from '@takashi/schemas'
import { createSampler } from './backoff.ts'
import type { Backbone } from './backbone.ts'
import type { EventOutbox } from './event-outbox.ts'
import type { IngestorMetrics } from './metrics.ts'

export interface Publisher {
  /** queues records; everything queued in one event-loop turn is written in one round trip */
  publish(records: readonly NormalizedRecord[]): void
  /** writes at once and waits; rejects when Redis fails */
  publishNow(records: readonly NormalizedRecord[]): Promise<void>
  /** resolves once every queued write has finished */
  flush(): Promise<void>
  /** writes the latest OI / funding records seen back to their cache keys (Redis came back) */
  restoreLatest(): Promise<void>
}

export interface PublisherDeps {
  redis: Redis
  keys: Keys
  metrics: IngestorMetrics
  log: Logger
  /** writes allowed in flight before new batches are dropped (Redis down or slow) */
  maxInFlight?: number
  /** where liquidations and large trades go to reach the ingest streams without loss */
  outbox?: Pick<EventOutbox, 'push'>
  /** trades at or over this value (USD) go through the outbox */
  largeTradeMinUsd?: number
  /** told of every failed and successful write */
  backbone?: Pick<Backbone, 'lost' | 'ok'>
}

export function createPublisher(deps: PublisherDeps): Publisher {
  const { redis, keys, metrics } = deps
  const exchange = metrics.exchange
  const maxInFlight = deps.maxInFlight ?? 1_000
  const sampleFailure = createSampler(10_000)
  const inFlight = new Set<Promise<void>>()
  const latest = new Map<string, NormalizedRecord>()
  const largeTradeMinUsd = deps.largeTradeMinUsd ?? 100_000
  let queue: NormalizedRecord[] = []
  let scheduled: Promise<void> | undefined

  function remember(records: readonly NormalizedRecord[]): void {
    for (const item of records) {
      if (item.kind === 'open_interest' || item.kind === 'funding_rate') {
        latest.set(`${item.kind} ${item.record.symbol}`, item)
      }
    }
  }

  // without an outbox every record goes the direct way
  const viaOutbox = (item: NormalizedRecord): item is IngestEvent =>
    deps.outbox !== undefined &&
    (item.kind === 'liquidation' ||
      (item.kind === 'trade' && item.record.value_usd >= largeTradeMinUsd))
  const publishOptions = { ingest: (item: NormalizedRecord) => !viaOutbox(item) }

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
    await publishRecords(redis, keys, records, publishOptions)
    deps.backbone?.ok()
    observe(records)
  }

  function failed(err: unknown, count: number, at = Date.now()): void {
    metrics.publishErrors.inc({ exchange }, count)
    deps.backbone?.lost(at, err)
    sampleFailure((skipped) => deps.log.warn({ err, records: count, skipped }, 'publish failed'))
  }

  function writeQueued(): void {
    scheduled = undefined
    const batch = queue
    queue = []
    if (batch.length === 0) return
    // an ingestor that tracks the backbone fails fast rather than filling ioredis' offline
    // queue, whose stale candles and trades would be replayed on reconnect
    if (redis.status !== 'ready' && deps.backbone)
      return failed(new Error(`redis is ${redis.status}`), batch.length)
    if (inFlight.size >= maxInFlight)
      return failed(new Error('too many writes in flight'), batch.length)
    const at = Date.now()
    const pending = write(batch)
      .catch((err: unknown) => failed(err, batch.length, at))
      .finally(() => inFlight.delete(pending))
    inFlight.add(pending)
  }

  return {
    publish(records) {
      if (records.length === 0) return
      remember(records)
      const events = records.filter(viaOutbox)
      if (events.length > 0) deps.outbox?.push(events)
      // a liquidation in the outbox has nothing left to do here; a large trade still goes live
      for (const record of records) {
        if (record.kind !== 'liquidation' || !viaOutbox(record)) queue.push(record)
      }
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
        deps.backbone?.lost(Date.now(), err)
        throw err
      }
    },
    async restoreLatest() {
      await restoreLatest(redis, keys, [...latest.values()])
    },
    async flush() {
      if (scheduled) await scheduled
      await Promise.all([...inFlight])
    },
  }
}
