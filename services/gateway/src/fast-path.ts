import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import type { Access } from './access/access.ts'
import { browserHeaders, type CorsOrigins } from './access/browser.ts'
import { rateHeaders, type Take } from './access/shared-counter.ts'
import {
  requireCapability,
  resolveExchange,
  resolveInterval,
  resolveSymbol,
  type Catalog,
} from './catalog.ts'
import type { Drain } from './drain.ts'
import type { HotCache } from './hot-cache.ts'
import { memoryKey } from './market-data.ts'
import type { GatewayMetrics } from './metrics.ts'
import { writePrepared, type Prepared } from './prepared.ts'
import { expressPath, routes } from './route-specs.ts'

/** The route labels express gives these answers, so metrics do not tell the paths apart. */
const ROUTE_LABEL = {
  ohlc: expressPath(routes.ohlc),
  open_interest: expressPath(routes.openInterest),
  funding_rate: expressPath(routes.fundingRate),
}

const LATEST_SEGMENTS = {
  'open-interest': 'open_interest',
  'funding-rate': 'funding_rate',
} as const

/** A request the fast path can answer: which memory entry, under which route label. */
interface Hit {
  key: string
  route: string
  kind: 'ohlc' | 'open_interest' | 'funding_rate'
}

/** The memory key of a plain GET of a market route, or null for anything else. */
function hitOf(catalog: Catalog, url: string): Hit | null {
  const question = url.indexOf('?')
  const path = question === -1 ? url : url.slice(0, question)
  const query = question === -1 ? '' : url.slice(question + 1)
  // anything express would decode or normalize goes the long way
  if (path.includes('%') || path.endsWith('/')) return null
  const [, exchangeName, segment, symbolName, interval, ...rest] = path.split('/')
  if (exchangeName === undefined || symbolName === undefined || rest.length > 0) return null
  const adapter = resolveExchange(catalog, exchangeName)
  if (segment === 'ohlc' && interval !== undefined) {
    let limit = 100
    if (query !== '') {
      const match = /^limit=(\d{1,4})$/.exec(query)
      if (match === null) return null
      limit = Number(match[1])
      if (limit < 1 || limit > 1000) return null
    }
    requireCapability(adapter, 'ohlc')
    const symbol = resolveSymbol(catalog, adapter, symbolName)
    const canonical = resolveInterval(catalog, adapter, interval)
    return {
      key: memoryKey.candles(adapter.id, symbol, canonical, limit),
      route: ROUTE_LABEL.ohlc,
      kind: 'ohlc',
    }
  }
  const kind = LATEST_SEGMENTS[segment as keyof typeof LATEST_SEGMENTS]
  if (kind === undefined || interval !== undefined || query !== '') return null
  requireCapability(adapter, kind)
  const symbol = resolveSymbol(catalog, adapter, symbolName)
  return { key: memoryKey.latest(kind, adapter.id, symbol), route: ROUTE_LABEL[kind], kind }
}

/**
 * The cached market routes in front of the express app: a plain GET whose answer this replica
 * holds in memory is answered here, with the same CORS and security headers (the same
 * middleware), the same client limit and headers, the same metrics and the same bytes; anything
 * else (a miss, an error, a refusal, draining) goes to the express app, which answers it as
 * always. Express's routing costs more than the answer itself at these rates.
 */
export function createFastPath(deps: {
  catalog: Catalog
  hotCache: HotCache
  access: Access
  corsOrigins: CorsOrigins
  metrics: GatewayMetrics
  drain: Drain
  app: (req: IncomingMessage, res: ServerResponse) => void
}) {
  const { catalog, hotCache, access, metrics } = deps
  // the headers of the app's first middleware, configured the same, per Origin a page sends
  const browser = browserHeaders(deps.corsOrigins)
  const browserHeadersOf = new Map<string | undefined, OutgoingHttpHeaders>()
  function headersFor(req: IncomingMessage): OutgoingHttpHeaders {
    const origin = req.headers.origin
    let headers = browserHeadersOf.get(origin)
    if (headers === undefined) {
      if (browserHeadersOf.size > 1_000) browserHeadersOf.clear()
      headers = capture(browser, origin)
      browserHeadersOf.set(origin, headers)
    }
    return headers
  }

  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    hit: Hit,
    body: Prepared,
    take: Take | null,
    started: bigint,
    source: 'memory' | 'hit'
  ) {
    const own = take ? rateHeaders(take) : undefined
    const status = writePrepared(req, res, body, headersFor(req), own)
    const counted = countersOf(hit, status, source)
    counted.cache.inc()
    counted.requests.inc()
    counted.duration.observe(Number(process.hrtime.bigint() - started) / 1e9)
  }

  // the few URLs dashboards poll come again and again: each is parsed and checked once while
  // the symbols served stay the same (a whole market's listings change them)
  const hits = new Map<string, Hit | null>()
  let catalogVersion = catalog.version
  function hitFor(url: string): Hit | null {
    if (catalog.version !== catalogVersion) {
      catalogVersion = catalog.version
      hits.clear()
    }
    let hit = hits.get(url)
    if (hit === undefined) {
      try {
        hit = hitOf(catalog, url)
      } catch {
        hit = null // an unknown name: express answers the error
      }
      if (hits.size > 10_000) hits.clear()
      hits.set(url, hit)
    }
    return hit
  }

  // the labelled metric children of each route and status, looked up once
  const counters = new Map<string, ReturnType<typeof makeCounters>>()
  const makeCounters = (hit: Hit, status: number, source: 'memory' | 'hit') => ({
    cache: metrics.cacheRequests.labels({ kind: hit.kind, result: source }),
    requests: metrics.httpRequests.labels({ route: hit.route, status: String(status) }),
    duration: metrics.httpDuration.labels({ route: hit.route }),
  })
  function countersOf(hit: Hit, status: number, source: 'memory' | 'hit') {
    const key = `${hit.route} ${hit.kind} ${status} ${source}`
    let found = counters.get(key)
    if (found === undefined) counters.set(key, (found = makeCounters(hit, status, source)))
    return found
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint()
    let hit: Hit | null = null
    if (req.method === 'GET' && !deps.drain.draining) hit = hitFor(req.url ?? '/')
    const found = hit === null ? null : hotCache.peek(hit.key)
    const client = found === null ? null : safeIdentify(access, req)
    if (hit === null || found === null || client === null) return deps.app(req, res)

    const proceed = (body: Prepared, source: 'memory' | 'hit') => {
      if (client.restPerMinute <= 0) return answer(req, res, hit, body, null, started, source)
      const take = access.take(client)
      const settle = (result: Take) => {
        if (result.allowed) return answer(req, res, hit, body, result, started, source)
        // the app renders the refusal, counting nothing twice
        access.markTaken(req, result)
        deps.app(req, res)
      }
      if (take instanceof Promise) take.then(settle, () => deps.app(req, res))
      else settle(take)
    }
    if (!(found instanceof Promise)) return proceed(found, 'memory')
    // the entry is being read again (its channel spoke): wait for that read, not a new one
    found.then(
      (read) => (read.kept ? proceed(read.answer, 'hit') : deps.app(req, res)),
      () => deps.app(req, res)
    )
  }
}

/** The client when it is known without I/O; null sends the request the long way. */
function safeIdentify(access: Access, req: IncomingMessage) {
  try {
    const client = access.identify(req)
    if (!(client instanceof Promise)) return client
    // the app identifies the client again and answers a failure; this copy is not awaited
    client.catch(() => {})
    return null
  } catch {
    return null
  }
}

/**
 * The headers the browser middleware (cors, helmet) sets on a GET from `origin`, captured once
 * on a stand-in response: they depend on nothing else.
 */
function capture(handlers: RequestHandler[], origin: string | undefined): OutgoingHttpHeaders {
  const headers = new Map<string, number | string | string[]>()
  const res = {
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader(name: string, value: number | string | string[]) {
      headers.set(name.toLowerCase(), value)
      return res
    },
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
    hasHeader: (name: string) => headers.has(name.toLowerCase()),
  }
  const req = { method: 'GET', headers: origin === undefined ? {} : { origin } }
  for (const handler of handlers) {
    let called = false
    handler(req as never, res as never, () => (called = true))
    if (!called) throw new Error('a header middleware did not finish synchronously')
  }
  return Object.fromEntries(headers)
}
