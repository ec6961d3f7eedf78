import type { Registry } from 'prom-client'
import type { Keys, Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { Access } from './access/access.ts'
import type { CorsOrigins } from './access/browser.ts'
import type { Catalog } from './catalog.ts'
import type { Drain } from './drain.ts'
import type { HotCache } from './hot-cache.ts'
import type { GatewayMetrics } from './metrics.ts'
import type { Upstream } from './upstream.ts'

// What the REST app and its routers are given; in a module of its own so that the routers, which
// the app imports, never import the app back.
export interface AppDeps {
  /** the reading connection (non-blocking) */
  redis: Redis
  keys: Keys
  log: Logger
  registry: Registry
  metrics: GatewayMetrics
  catalog: Catalog
  upstream: Upstream
  version: string
  now: () => number
  /** client identity (API key or IP) and the REST limit */
  access: Access
  /** origins whose pages may call the API; default `*` */
  corsOrigins?: CorsOrigins
  /** the bound on each exchange's part of a /multi answer; default 3 s */
  multiPartTimeoutMs?: number
  /** hot REST answers in memory; without it every answer is read from Redis */
  hotCache?: HotCache
  /** requests in flight and the stopping state (/readyz 503 while draining) */
  drain?: Drain
  /** whether the backbone serves this replica; default: the reading connection is ready */
  backboneReady?: () => boolean
}
