import { Router } from 'express'
import type { AppDeps } from '../deps.ts'
import { readHealth } from '../health.ts'

/** `GET /`, `GET /health`, `GET /exchanges`. */
export function metaRouter(deps: AppDeps): Router {
  const router = Router()
  const { catalog } = deps

  router.get('/', (_req, res) => {
    res.json({
      name: 'takashi',
      version: deps.version,
      exchanges: [...catalog.exchanges.keys()],
      docs: '/docs',
    })
  })

  router.get('/health', async (_req, res) => {
    const health = await readHealth(deps)
    res.status(health.status === 'down' ? 503 : 200).json(health)
  })

  router.get('/exchanges', async (_req, res) => {
    const health = await readHealth(deps)
    res.json(
      [...catalog.exchanges.values()].map((adapter) => ({
        name: adapter.id,
        status: health.exchanges[adapter.id]?.status ?? 'down',
        capabilities: adapter.capabilities,
        symbols: catalog.symbolsOf(adapter.id).size,
      }))
    )
  })

  return router
}
