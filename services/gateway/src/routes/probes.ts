import { Router } from 'express'
import type { AppDeps } from '../deps.ts'

/**
 * `GET /livez` (the process answers) and `GET /readyz` (its Redis connections are ready, so it
 * can serve from the cache and stream, and it is not stopping) for orchestrators and load
 * balancers; `/health` stays the public view.
 */
export function probesRouter(deps: Pick<AppDeps, 'redis' | 'drain' | 'backboneReady'>): Router {
  const router = Router()
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', (_req, res) => {
    const backbone = deps.backboneReady?.() ?? deps.redis.status === 'ready'
    const status = deps.drain?.draining ? 'stopping' : backbone ? 'ok' : 'not_ready'
    res.status(status === 'ok' ? 200 : 503).json({ status })
  })
  return router
}
