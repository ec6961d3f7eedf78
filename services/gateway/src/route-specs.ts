import { z } from 'zod'
import {
  ErrorBody,
  ExchangeInfo,
  FundingRate,
  Health,
  Interval,
  INTERVALS,
  LargeTrade,
  Liquidation,
  MultiFundingRate,
  MultiOhlc,
  MultiOpenInterest,
  Ohlc,
  OISpike,
  OpenInterest,
  RootInfo,
  SPIKE_TIMEFRAMES,
} from '@takashi/schemas'
import { enumText, intText, nonNegativeText, onceText, timeText } from './params.ts'

// The REST routes, described once: routers take their paths and query schemas from here, and
// `/openapi.json` is generated from the same table (src/openapi.ts).

/** One answer of a route; `body` is shown by its component name when it has a `.meta({ id })`. */
export interface Answer {
  description: string
  body: z.ZodType
  contentType?: string
}

export interface RouteSpec {
  method: 'get'
  /** OpenAPI form: `{name}` marks a path parameter */
  path: `/${string}`
  summary: string
  /**
   * Documents the path parameters; the catalog checks them against what this deployment serves
   * (404 naming an unknown exchange or symbol, 400 listing the intervals an exchange has).
   */
  pathParams?: z.ZodObject
  /** Validates the query (`parseQuery`: first bad parameter → 400 naming it) and documents it */
  query?: z.ZodObject
  responses: Record<number, Answer>
}

/** How many of a feed's newest events a REST query searches at most (the CPU bound of one call). */
export const FEED_SCAN_LIMIT = 20_000

/** One slow exchange must not hold a multi answer: each part gets at most this long. */
export const MULTI_PART_TIMEOUT_MS = 3_000

/** The exchange path parameter; `/openapi.json` lists the served ones as its values. */
export const exchangeParam = z.string().meta({ description: 'Exchange' })

const symbolParam = z
  .string()
  .meta({ description: 'Canonical (BTCUSDT) or the exchange’s native symbol', example: 'BTCUSDT' })
const intervalParam = Interval.meta({
  description: `Candle interval (${INTERVALS.join(', ')}) the exchange has`,
})
const limitParam = (description: string) => intText(1, 1000).default(100).meta({ description })
const exchangesParam = onceText.optional().meta({
  description: 'Exchanges to ask (comma list); default: every served exchange with the data',
})

const ERROR_TEXT: Record<number, string> = {
  400: 'A bad parameter value; the message names the parameter',
  404: 'Unknown exchange, symbol or route; the message names it',
  502: 'The exchange answered with an error',
  503: 'The Redis backbone is unavailable (backbone_unavailable), or the share of the exchange budget for client requests is spent (busy, with Retry-After)',
  504: 'The exchange did not answer in time',
}

/** Error answers (`{"error":{"code","message"}}`) with the given statuses. */
function errors(...statuses: number[]): Record<number, Answer> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_TEXT[status] ?? 'Error', body: ErrorBody },
    ])
  )
}

/** Answers of the routes that may ask an exchange on a cache miss. */
const MARKET_ERRORS = errors(400, 404, 502, 503, 504)

function latestRoute<const S extends string>(
  segment: S,
  summary: string,
  description: string,
  body: z.ZodType
) {
  return {
    method: 'get',
    path: `/{exchange}/${segment}/{symbol}` as const,
    summary,
    pathParams: z.object({ exchange: exchangeParam, symbol: symbolParam }),
    responses: { 200: { description, body }, ...MARKET_ERRORS },
  } satisfies RouteSpec
}

// one exchange failing or slower than the bound lands in `errors`, never fails the answer
function multiRoute<const P extends `/${string}`, Q extends z.ZodObject>(
  path: P,
  summary: string,
  body: z.ZodType,
  query: Q
) {
  const seconds = MULTI_PART_TIMEOUT_MS / 1000
  return {
    method: 'get',
    path,
    summary: `${summary}; an exchange that fails or takes over ${seconds} s is listed in errors`,
    pathParams: path.includes('{interval}')
      ? z.object({ symbol: symbolParam, interval: intervalParam })
      : z.object({ symbol: symbolParam }),
    query,
    responses: { 200: { description: summary, body }, ...errors(400, 404, 503) },
  } satisfies RouteSpec
}

const feedFilters = {
  exchange: onceText.optional().meta({
    description: 'Only these exchanges (comma list); default: every served exchange with the feed',
  }),
  symbol: onceText
    .optional()
    .meta({ description: 'Only these symbols (comma list, canonical or native)' }),
}

function feedRoute<const P extends `/${string}`, Q extends z.ZodObject>(
  path: P,
  summary: string,
  record: z.ZodType,
  query: Q
) {
  const scanned = FEED_SCAN_LIMIT.toLocaleString('en')
  return {
    method: 'get',
    path,
    summary: `${summary}, newest first (the newest ${scanned} events of the feed are searched)`,
    query,
    responses: {
      200: { description: summary, body: z.array(record) },
      ...errors(400, 404, 503),
    },
  } satisfies RouteSpec
}

const valueFeedQuery = z.object({
  ...feedFilters,
  min_value_usd: nonNegativeText().optional().meta({ description: 'Only events worth ≥ this' }),
  limit: limitParam('Events'),
})

/** Every documented route, in the order of `/openapi.json`. */
export const routes = {
  root: {
    method: 'get',
    path: '/',
    summary: 'Service info',
    responses: { 200: { description: 'Info', body: RootInfo } },
  },
  health: {
    method: 'get',
    path: '/health',
    summary: 'Backbone and exchange feed health',
    responses: {
      200: { description: 'ok or degraded', body: Health },
      503: { description: 'down: Redis unreachable', body: Health },
    },
  },
  exchanges: {
    method: 'get',
    path: '/exchanges',
    summary: 'Served exchanges with status and capabilities',
    responses: { 200: { description: 'Exchanges', body: z.array(ExchangeInfo) } },
  },
  ohlc: {
    method: 'get',
    path: '/{exchange}/ohlc/{symbol}/{interval}',
    summary: 'Candles, oldest first',
    pathParams: z.object({
      exchange: exchangeParam,
      symbol: symbolParam,
      interval: intervalParam,
    }),
    query: z
      .object({
        limit: limitParam('Number of candles'),
        start_time: timeText()
          .optional()
          .meta({ description: 'First open time, ms since the Unix epoch' }),
        end_time: timeText()
          .optional()
          .meta({ description: 'Last open time, ms since the Unix epoch' }),
      })
      .refine(
        (q) => q.start_time === undefined || q.end_time === undefined || q.start_time <= q.end_time,
        { path: ['start_time'], message: 'must not be after end_time' }
      ),
    responses: { 200: { description: 'Candles', body: z.array(Ohlc) }, ...MARKET_ERRORS },
  },
  openInterest: latestRoute('open-interest', 'Latest open interest', 'Open interest', OpenInterest),
  fundingRate: latestRoute('funding-rate', 'Latest funding rate', 'Funding rate', FundingRate),
  multiOhlc: multiRoute(
    '/multi/ohlc/{symbol}/{interval}',
    'Candles of several exchanges',
    MultiOhlc,
    z.object({ exchanges: exchangesParam, limit: limitParam('Candles per exchange') })
  ),
  multiOpenInterest: multiRoute(
    '/multi/open-interest/{symbol}',
    'Open interest of several exchanges and their USD total',
    MultiOpenInterest,
    z.object({ exchanges: exchangesParam })
  ),
  multiFundingRate: multiRoute(
    '/multi/funding-rate/{symbol}',
    'Funding of several exchanges',
    MultiFundingRate,
    z.object({ exchanges: exchangesParam })
  ),
  liquidations: feedRoute('/liquidations', 'Liquidations', Liquidation, valueFeedQuery),
  largeTrades: feedRoute('/large-trades', 'Large trades', LargeTrade, valueFeedQuery),
  oiSpikes: feedRoute(
    '/oi-spikes',
    'Open interest and volume spikes',
    OISpike,
    z.object({
      ...feedFilters,
      timeframe: enumText(SPIKE_TIMEFRAMES)
        .optional()
        .meta({ description: 'Only spikes of this timeframe' }),
      limit: limitParam('Events'),
    })
  ),
  metrics: {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: {
      200: { description: 'Prometheus text format', body: z.string(), contentType: 'text/plain' },
    },
  },
} satisfies Record<string, RouteSpec>

type ExpressPath<P extends string> = P extends `${infer A}{${infer N}}${infer B}`
  ? `${A}:${N}${ExpressPath<B>}`
  : P

/** The express form of a route's path (`/{exchange}/ohlc` → `/:exchange/ohlc`), typed so
 * express types `req.params` by it. */
export const expressPath = <P extends string>(spec: { path: P }) =>
  spec.path.replace(/\{(\w+)\}/g, ':$1') as ExpressPath<P>
