import type { Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { IngestorMetrics } from './metrics.ts'

export interface BackboneDeps {
  redis: Redis
  metrics: IngestorMetrics
  log: Logger
  /** writes may have been lost from `at` on (called on every failure, not only the first) */
  onLost(at: number): void
  /** the connection was lost and is ready again: re-create what lives in Redis */
  onReconnected(): void
}

/**
 * Whether Redis takes this ingestor's writes. Down from a lost connection or a failed write until
 * a write succeeds again (the backbone_down gauge); `onReconnected` on every "ready" that follows
 * a lost connection, so an emptied Redis is set up again without a restart.
 */
export function createBackbone(deps: BackboneDeps) {
  const { redis, metrics, log } = deps
  const exchange = metrics.exchange
  let downSince: number | undefined
  let disconnected = false

  function lost(at: number, err?: unknown): void {
    metrics.backboneDown.set({ exchange }, 1)
    if (downSince === undefined) {
      downSince = at
      log.warn({ err }, 'redis writes failing, buffering events')
    }
    deps.onLost(at)
  }

  const onClose = () => {
    disconnected = true
    lost(Date.now())
  }
  const onReady = () => {
    if (!disconnected) return
    disconnected = false
    log.info({ down_ms: downSince === undefined ? 0 : Date.now() - downSince }, 'redis is back')
    deps.onReconnected()
  }
  redis.on('close', onClose)
  redis.on('ready', onReady)
  metrics.backboneDown.set({ exchange }, redis.status === 'ready' ? 0 : 1)

  return {
    lost,
    /** a write succeeded */
    ok(): void {
      if (downSince === undefined) return
      log.info({ down_ms: Date.now() - downSince }, 'redis writes succeed again')
      downSince = undefined
      metrics.backboneDown.set({ exchange }, 0)
    },
    isDown: () => downSince !== undefined,
    close(): void {
      redis.off('close', onClose)
      redis.off('ready', onReady)
    },
  }
}

export type Backbone = ReturnType<typeof createBackbone>
