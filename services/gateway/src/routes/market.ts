import { Router } from 'express'
import type { AppDeps } from '../deps.ts'
import { requireCapability, resolveExchange, resolveInterval, resolveSymbol } from '../catalog.ts'
import { candlesOf, ensureBackbone, latestOf } from '../market-data.ts'
import { parseQuery } from '../params.ts'
import { writePrepared } from '../prepared.ts'
import { expressPath, routes } from '../route-specs.ts'

/** `GET /{exchange}/ohlc|open-interest|funding-rate/...`: the cache, else a fetch job. */
export function marketRouter(deps: AppDeps): Router {
  const router = Router()
  const { catalog } = deps

  // the catalog checks the path first (404 before 400), then the query its schema
  router.get(expressPath(routes.ohlc), async (req, res) => {
    const adapter = resolveExchange(catalog, req.params.exchange)
    requireCapability(adapter, 'ohlc')
    const symbol = resolveSymbol(catalog, adapter, req.params.symbol)
    const interval = resolveInterval(catalog, adapter, req.params.interval)
    const window = parseQuery(routes.ohlc.query, req.query)
    await ensureBackbone(deps)
    const charge = deps.access.upstreamCharge(req)
    writePrepared(req, res, await candlesOf(deps, adapter, symbol, interval, window, charge))
  })

  const latest = { open_interest: routes.openInterest, funding_rate: routes.fundingRate }
  for (const kind of ['open_interest', 'funding_rate'] as const) {
    router.get(expressPath(latest[kind]), async (req, res) => {
      const adapter = resolveExchange(catalog, req.params.exchange)
      requireCapability(adapter, kind)
      const symbol = resolveSymbol(catalog, adapter, req.params.symbol)
      await ensureBackbone(deps)
      const charge = deps.access.upstreamCharge(req)
      writePrepared(req, res, await latestOf(deps, adapter, kind, symbol, charge))
    })
  }

  return router
}
