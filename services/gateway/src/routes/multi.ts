import { Router } from 'express'
import {
  INTERVALS,
  type FundingRate,
  type Interval,
  type OpenInterest,
  segmentOf,
} from '@takashi/schemas'
import type { AppDeps } from '../deps.ts'
import { resolveExchange, servedText, type Capability, type ExchangeView } from '../catalog.ts'
import { ApiError, badParam } from '../errors.ts'
import { candlesOf, ensureBackbone, latestOf, parsed, type MarketAnswer } from '../market-data.ts'
import { parseQuery, queryText } from '../params.ts'
import { MULTI_PART_TIMEOUT_MS, expressPath, routes } from '../route-specs.ts'

export { MULTI_PART_TIMEOUT_MS }

/** The exchanges a multi request covers: `?exchanges=` or every served one with the capability. */
function exchangesOf(
  deps: AppDeps,
  query: Record<string, unknown>,
  capability: Capability
): ExchangeView[] {
  const named = queryText(query, 'exchanges')
  if (named === undefined) {
    return [...deps.catalog.exchanges.values()].filter(
      (adapter) => adapter.capabilities[capability]
    )
  }
  return [
    ...new Set(
      named
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    ),
  ].map((name) => resolveExchange(deps.catalog, name))
}

/** The canonical symbol, given in canonical form or any served exchange's native form. */
function canonicalSymbol(deps: AppDeps, input: string): string {
  const natives = [...deps.catalog.exchanges.values()].map((adapter) => adapter.fromNative(input))
  for (const candidate of [input, input.toUpperCase(), ...natives]) {
    if (candidate && deps.catalog.symbols.has(candidate)) return candidate
  }
  const served = servedText(deps.catalog.symbols)
  throw new ApiError(404, 'unknown_symbol', `unknown symbol '${input}' (served: ${served})`)
}

/**
 * Runs one part per exchange in parallel; a failure or a part slower than the bound lands in
 * `errors` under the exchange's name instead of failing or delaying the whole answer.
 */
async function perExchange<T>(
  adapters: ExchangeView[],
  timeoutMs: number,
  part: (adapter: ExchangeView) => Promise<T>
): Promise<{ results: Record<string, T>; errors: Record<string, string> }> {
  const settled = await Promise.allSettled(
    adapters.map(async (adapter) => {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        return await Promise.race([part(adapter), timeout])
      } finally {
        clearTimeout(timer)
      }
    })
  )
  // keys in the order the exchanges were asked, whatever order they answered in
  const results: Record<string, T> = {}
  const errors: Record<string, string> = {}
  settled.forEach((outcome, i) => {
    const id = adapters[i]!.id
    if (outcome.status === 'fulfilled') results[id] = outcome.value
    else {
      const reason: unknown = outcome.reason
      errors[id] = reason instanceof Error ? reason.message : String(reason)
    }
  })
  return { results, errors }
}

function unsupported(deps: AppDeps, adapter: ExchangeView, symbol: string): ApiError | undefined {
  return !deps.catalog.symbolsOf(adapter.id).has(symbol)
    ? new ApiError(404, 'unknown_symbol', `${adapter.id} lists no ${symbol}`)
    : undefined
}

/** `GET /multi/ohlc|open-interest|funding-rate/...`: one answer across exchanges (spec §4). */
export function multiRouter(deps: AppDeps): Router {
  const router = Router()
  const timeoutMs = deps.multiPartTimeoutMs ?? MULTI_PART_TIMEOUT_MS

  // names are checked against the catalog first (404 before 400), then the query by its schema
  router.get(expressPath(routes.multiOhlc), async (req, res) => {
    const adapters = exchangesOf(deps, req.query, 'ohlc')
    const symbol = canonicalSymbol(deps, req.params.symbol)
    const input = req.params.interval
    const interval = (INTERVALS as readonly string[]).includes(input)
      ? (input as Interval)
      : undefined
    if (!interval || !adapters.some((adapter) => adapter.intervals.includes(interval))) {
      const served = [...new Set(adapters.flatMap((adapter) => adapter.intervals))]
      const ordered = INTERVALS.filter((iv) => served.includes(iv))
      throw badParam(
        'interval',
        `'${input}' is served by none of them; use one of ${ordered.join(', ')}`
      )
    }
    const { limit } = parseQuery(routes.multiOhlc.query, req.query)
    await ensureBackbone(deps)
    const charge = deps.access.upstreamCharge(req)
    const { results, errors } = await perExchange(adapters, timeoutMs, async (adapter) => {
      if (!adapter.capabilities.ohlc) throw new Error(`${adapter.id} publishes no ohlc data`)
      if (!adapter.intervals.includes(interval))
        throw new Error(`${adapter.id} has no ${interval} candles`)
      const missing = unsupported(deps, adapter, symbol)
      if (missing) throw missing
      return parsed(await candlesOf(deps, adapter, symbol, interval, { limit }, charge))
    })
    res.json({ symbol, interval, exchanges: results, errors })
  })

  const latest = { open_interest: routes.multiOpenInterest, funding_rate: routes.multiFundingRate }
  for (const kind of ['open_interest', 'funding_rate'] as const) {
    router.get(expressPath(latest[kind]), async (req, res) => {
      const adapters = exchangesOf(deps, req.query, kind)
      const symbol = canonicalSymbol(deps, req.params.symbol)
      await ensureBackbone(deps)
      const charge = deps.access.upstreamCharge(req)
      const { results, errors } = await perExchange(adapters, timeoutMs, async (adapter) => {
        if (!adapter.capabilities[kind])
          throw new Error(`${adapter.id} publishes no ${segmentOf(kind)} data`)
        const missing = unsupported(deps, adapter, symbol)
        if (missing) throw missing
        const answer: MarketAnswer = await latestOf(deps, adapter, kind, symbol, charge)
        return parsed(answer) as OpenInterest | FundingRate
      })
      if (kind === 'funding_rate') return res.json({ symbol, exchanges: results, errors })
      const known = Object.values(results)
        .map((record) => (record as OpenInterest).open_interest_usd)
        .filter((usd): usd is number => typeof usd === 'number')
      const total = known.length > 0 ? known.reduce((sum, usd) => sum + usd, 0) : null
      res.json({ symbol, total_open_interest_usd: total, exchanges: results, errors })
    })
  }

  return router
}
