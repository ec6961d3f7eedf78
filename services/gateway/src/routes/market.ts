import { segmentOf } from '@takashi/schemas'
import { Router, type Response } from 'express'
import type { AppDeps } from '../deps.ts'
import { requireCapability, resolveExchange, resolveInterval, resolveSymbol } from '../catalog.ts'
import { badParam } from '../errors.ts'
import { candlesOf, ensureBackbone, latestOf, type MarketAnswer } from '../market-data.ts'
import { intParam, timeParam } from '../params.ts'

/** Sends cached JSON text as it is (the client-facing bytes), or fetched records. */
function send(res: Response, answer: MarketAnswer): void {
  if ('text' in answer) res.type('application/json').send(answer.text)
  else res.json(answer.value)
}

/** `GET /{exchange}/ohlc|open-interest|funding-rate/...`: the cache, else a fetch job. */
export function marketRouter(deps: AppDeps): Router {
  const router = Router()
  const { catalog } = deps

  router.get('/:exchange/ohlc/:symbol/:interval', async (req, res) => {
    const adapter = resolveExchange(catalog, req.params.exchange)
    requireCapability(adapter, 'ohlc')
    const symbol = resolveSymbol(catalog, adapter, req.params.symbol)
    const interval = resolveInterval(catalog, adapter, req.params.interval)
    const limit = intParam(req.query, 'limit', { min: 1, max: 1000 }, 100)
    const start_time = timeParam(req.query, 'start_time')
    const end_time = timeParam(req.query, 'end_time')
    if (start_time !== undefined && end_time !== undefined && start_time > end_time) {
      throw badParam('start_time', 'must not be after end_time')
    }
    await ensureBackbone(deps)
    send(res, await candlesOf(deps, adapter, symbol, interval, { limit, start_time, end_time }))
  })

  for (const kind of ['open_interest', 'funding_rate'] as const) {
    router.get(`/:exchange/${segmentOf(kind)}/:symbol`, async (req, res) => {
      const adapter = resolveExchange(catalog, req.params.exchange)
      requireCapability(adapter, kind)
      const symbol = resolveSymbol(catalog, adapter, req.params.symbol)
      await ensureBackbone(deps)
      send(res, await latestOf(deps, adapter, kind, symbol))
    })
  }

  return router
}
