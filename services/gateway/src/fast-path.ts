import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import type { Access, Client } from './access/access.ts'
import { browserHeaders, type CorsOrigins } from './access/browser.ts'
import type { Take } from './access/shared-counter.ts'
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
import type { AnswerTally, GatewayMetrics } from './metrics.ts'
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
  /** metric tallies by status (negative when the answer waited for a read) */
  tallies: Map<number, AnswerTally>
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
      tallies: new Map(),
    }
  }
  const kind = LATEST_SEGMENTS[segment as keyof typeof LATEST_SEGMENTS]
  if (kind === undefined || interval !== undefined || query !== '') return null
  requireCapability(adapter, kind)
  const symbol = resolveSymbol(catalog, adapter, symbolName)
  const key = memoryKey.latest(kind, adapter.id, symbol)
  return { key, route: ROUTE_LABEL[kind], kind, tallies: new Map() }
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
    take: Take | undefined,
    started: number,
    source: 'memory' | 'hit'
  ) {
    const status = writePrepared(req, res, body, headersFor(req), take)
    tallyOf(hit, status, source).add((performance.now() - started) / 1000)
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

  function tallyOf(hit: Hit, status: number, source: 'memory' | 'hit'): AnswerTally {
    const key = source === 'memory' ? status : -status
    let tally = hit.tallies.get(key)
    if (tally === undefined) {
      tally = metrics.answerTally(hit.route, status, { kind: hit.kind, result: source })
      hit.tallies.set(key, tally)
    }
    return tally
  }

  // the client's take decides: answered here, or refused by the app (counting nothing twice)
  function settle(
    req: IncomingMessage,
    res: ServerResponse,
    hit: Hit,
    body: Prepared,
    take: Take,
    started: number,
    source: 'memory' | 'hit'
  ) {
    if (take.allowed) return answer(req, res, hit, body, take, started, source)
    access.markTaken(req, take)
    deps.app(req, res)
  }

  function proceed(
    req: IncomingMessage,
    res: ServerResponse,
    hit: Hit,
    client: Client,
    body: Prepared,
    started: number,
    source: 'memory' | 'hit'
  ) {
    if (client.restPerMinute <= 0) return answer(req, res, hit, body, undefined, started, source)
    const take = access.take(client)
    if (!(take instanceof Promise)) return settle(req, res, hit, body, take, started, source)
    take.then(
      (result) => settle(req, res, hit, body, result, started, source),
      () => deps.app(req, res)
    )
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now()
    const hit = req.method === 'GET' && !deps.drain.draining ? hitFor(req.url ?? '/') : null
    const found = hit === null ? null : hotCache.peek(hit.key)
    const client = found === null ? null : safeIdentify(access, req)
    if (hit === null || found === null || client === null) return deps.app(req, res)
    if (!(found instanceof Promise)) return proceed(req, res, hit, client, found, started, 'memory')
    // the entry is being read again (its channel spoke): wait for that read, not a new one
    found.then(
      (read) =>
        read.kept
          ? proceed(req, res, hit, client, read.answer, started, 'hit')
          : deps.app(req, res),
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
