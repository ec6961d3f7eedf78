import {
  appendIngestEvents,
  writeKept,
  type IngestEvent,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import { createSampler } from './backoff.ts'
import { createEventBuffer, type EventBufferLimits } from './event-buffer.ts'
import type { IngestorMetrics } from './metrics.ts'

/** Why events were given up (a closed label set). */
export const DROP_REASONS = ['full', 'expired', 'shutdown'] as const
export type DropReason = (typeof DROP_REASONS)[number]

export interface EventOutboxDeps {
  redis: Redis
  /** the backbone connection string: with Sentinels a write counts once it is kept (writeKept) */
  backboneUrl?: string
  keys: Keys
  metrics: IngestorMetrics
  log: Logger
  limits?: EventBufferLimits
  batchSize?: number
  /** wait after a failed write before trying again (a "ready" event tries at once) */
  retryMs?: number
  onWritten?(): void
  onFailed?(at: number, err: unknown): void
}

/**
 * Liquidations and large trades on their way to the ingest streams: every event waits in a
 * bounded buffer and one writer appends them in arrival order, dropping them from the buffer
 * only once Redis confirmed the append. A write whose answer was lost is written again; the
 * feed append drops the copy by event id.
 */
export function createEventOutbox(deps: EventOutboxDeps) {
  const { redis, keys, metrics } = deps
  const exchange = metrics.exchange
  const log = deps.log.child({ component: 'event-outbox' })
  const buffer = createEventBuffer<IngestEvent>(deps.limits)
  const batchSize = deps.batchSize ?? 500
  const sampleDrop = createSampler(10_000)
  let writing: Promise<void> | undefined
  let retry: NodeJS.Timeout | undefined
  let closed = false

  function dropped(reason: DropReason, count: number): void {
    metrics.eventsDropped.inc({ exchange, reason }, count)
    sampleDrop((skipped) => log.warn({ reason, events: count, skipped }, 'events dropped'))
  }

  /** Writes batches until the buffer is empty; false when a write failed. */
  async function drain(): Promise<boolean> {
    while (buffer.size > 0 && redis.status === 'ready') {
      const expired = buffer.expire(Date.now())
      if (expired > 0) dropped('expired', expired)
      const batch = buffer.peek(batchSize)
      if (batch.length === 0) break
      try {
        await appendIngestEvents(redis, keys, batch)
        // made on a master a failover superseded: written again once the connection follows
        if (!(await writeKept(redis, deps.backboneUrl ?? ''))) {
          throw new Error('events written to a superseded master')
        }
      } catch (err) {
        deps.onFailed?.(Date.now(), err)
        return false
      }
      buffer.ack(batch.length)
      metrics.eventBuffer.set({ exchange }, buffer.size)
      deps.onWritten?.()
    }
    return true
  }

  function kick(): void {
    if (writing || buffer.size === 0 || redis.status !== 'ready') return
    clearTimeout(retry)
    retry = undefined
    writing = drain().then((ok) => {
      writing = undefined
      if (closed) return
      if (ok) return kick() // events pushed during the last write
      retry = setTimeout(kick, deps.retryMs ?? 1_000)
    })
  }

  return {
    push(events: readonly IngestEvent[]): void {
      const now = Date.now()
      let refused = 0
      for (const event of events) if (!buffer.push(event, now)) refused++
      if (refused > 0) dropped('full', refused)
      metrics.eventBuffer.set({ exchange }, buffer.size)
      kick()
    },
    /** tries to write at once (Redis is ready again) */
    kick,
    size: () => buffer.size,
    /** writes what it can within `graceMs`; what is left is counted as dropped */
    async close(graceMs = 2_000): Promise<void> {
      const deadline = Date.now() + graceMs
      while (buffer.size > 0 && Date.now() < deadline) {
        kick()
        if (!writing) break
        await Promise.race([writing, new Promise((r) => setTimeout(r, deadline - Date.now()))])
      }
      closed = true
      clearTimeout(retry)
      retry = undefined
      if (buffer.size > 0) {
        dropped('shutdown', buffer.size)
        buffer.ack(buffer.size)
      }
    },
  }
}

export type EventOutbox = ReturnType<typeof createEventOutbox>
