import { writeHeartbeat, type Keys, type Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import { createSampler } from './backoff.ts'
import type { IngestorMetrics } from './metrics.ts'

export interface HeartbeatDeps {
  redis: Redis
  keys: Keys
  metrics: IngestorMetrics
  log: Logger
  /** last data message time (ms) per venue stream */
  lastMessageAt: () => Readonly<Record<string, number>>
  everyMs?: number
  onWritten?(): void
  onFailed?(at: number, err: unknown): void
}

/**
 * Writes the last message time per stream to Redis every 2 s (the gateway's /health reads it)
 * and feeds the last_message_age_seconds gauge, computed at scrape time.
 */
export function createHeartbeat(deps: HeartbeatDeps) {
  const { redis, keys, metrics } = deps
  const sampleFailure = createSampler(30_000)
  let timer: NodeJS.Timeout | undefined
  metrics.setLastMessageSource(deps.lastMessageAt)

  async function beat(): Promise<void> {
    const at = Date.now()
    try {
      await writeHeartbeat(redis, keys, metrics.exchange, deps.lastMessageAt())
      deps.onWritten?.()
    } catch (err) {
      deps.onFailed?.(at, err)
      sampleFailure((skipped) => deps.log.warn({ err, skipped }, 'heartbeat write failed'))
    }
  }

  return {
    beat,
    start(): void {
      if (timer) return
      void beat()
      timer = setInterval(() => void beat(), deps.everyMs ?? 2_000)
    },
    stop(): void {
      clearInterval(timer)
      timer = undefined
    },
  }
}
