import { Router } from 'express'
import type { AppDeps } from '../app.ts'

/**
 * `GET /livez` (the process answers) and `GET /readyz` (its Redis connection is ready, so it can
 * serve from the cache) for orchestrators and load balancers; `/health` stays the public view.
 */
export function probesRouter(deps: Pick<AppDeps, 'redis'>): Router {
  const router = Router()
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', (_req, res) => {
    const ready = deps.redis.status === 'ready'
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'not_ready' })
  })
  return router
}
