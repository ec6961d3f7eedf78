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
import { ERROR_EXAMPLES, EXAMPLES } from './openapi-examples.ts'
import { enumText, intText, nonNegativeText, onceText, timeText } from './params.ts'

// The REST routes, described once: routers take their paths and query schemas from here, and
// `/openapi.json` is generated from the same table (src/openapi.ts). A route's key in `routes`
// is its OpenAPI operationId, the method name generated clients (and @takashi/client) use.

/** One answer of a route; `body` is shown by its component name when it has a `.meta({ id })`. */
export interface Answer {
  description: string
  body: z.ZodType
  contentType?: string
  /** named examples of the body (a test parses each with `body`) */
  examples?: Record<string, unknown>
  /** response headers: name → description (integer seconds for Retry-After) */
  headers?: Record<string, string>
}

/** Groups of operations in the document, in the order generators list them. */
export const TAGS = {
  market: 'Candles, open interest and funding of one exchange, from the cache or the exchange',
  multi: 'The same data across exchanges in one answer, with a total where one makes sense',
  feeds:
    'Recent events (liquidations, large trades, spikes), newest first; live on the WebSocket API',
  service: 'What the deployment serves and its API documents',
  operations: 'Health, probes and metrics for load balancers and monitoring; never need a key',
} as const
export type Tag = keyof typeof TAGS

export interface RouteSpec {
  method: 'get'
  /** OpenAPI form: `{name}` marks a path parameter */
  path: `/${string}`
  summary: string
  /** more than the summary: behaviour a client relies on (CommonMark) */
  description?: string
  tags: readonly Tag[]
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
  401: 'API keys are required and none was sent, or the key is unknown or revoked',
  404: 'Unknown exchange, symbol or route; the message names it',
  429: 'The client is over its request limit (a request that has to ask the exchange counts 10); wait Retry-After seconds',
  502: 'The exchange answered with an error',
  503: 'The Redis backbone is unavailable (backbone_unavailable), or the share of the exchange budget for client requests is spent (busy, with Retry-After)',
  504: 'The exchange did not answer in time',
}

const RETRY_AFTER: Record<number, string> = {
  429: 'Seconds until the client may ask again',
  503: 'With busy: seconds until the exchange budget has room again',
}

/** Error answers (`{"error":{"code","message"}}`) with the given statuses. */
export function errors(...statuses: number[]): Record<number, Answer> {
  return Object.fromEntries(
    statuses.map((status) => {
      const answer: Answer = {
        description: ERROR_TEXT[status] ?? 'Error',
        body: ErrorBody,
        examples: ERROR_EXAMPLES[status],
      }
      const retryAfter = RETRY_AFTER[status]
      if (retryAfter !== undefined) answer.headers = { 'Retry-After': retryAfter }
      return [status, answer]
    })
  )
}

/** The probes' answer (`/livez`, `/readyz`). */
export const ProbeStatus = z
  .object({ status: z.enum(['ok', 'not_ready', 'stopping']) })
  .meta({ id: 'ProbeStatus' })

/** Answers of the routes that may ask an exchange on a cache miss. */
const MARKET_ERRORS = errors(400, 404, 502, 503, 504)

const CACHE_MISS =
  'Answered from the cache the ingestors keep; on a miss the exchange is asked once through its ' +
  'ingestor (such a request counts 10 against the rate limit; 502/504 when the exchange fails).'

function latestRoute<const S extends string>(
  segment: S,
  summary: string,
  description: string,
  body: z.ZodType,
  example: unknown
) {
  return {
    method: 'get',
    path: `/{exchange}/${segment}/{symbol}` as const,
    summary,
    description: `The latest value the exchange reported. ${CACHE_MISS}`,
    tags: ['market'],
    pathParams: z.object({ exchange: exchangeParam, symbol: symbolParam }),
    responses: { 200: { description, body, examples: { binance: example } }, ...MARKET_ERRORS },
  } satisfies RouteSpec
}

// one exchange failing or slower than the bound lands in `errors`, never fails the answer
function multiRoute<const P extends `/${string}`, Q extends z.ZodObject>(
  path: P,
  summary: string,
  body: z.ZodType,
  query: Q,
  example: unknown
) {
  const seconds = MULTI_PART_TIMEOUT_MS / 1000
  return {
    method: 'get',
    path,
    summary,
    description:
      `Asks every exchange in \`exchanges\` at once. An exchange that fails or takes over ` +
      `${seconds} s is left out and named in \`errors\` with the reason, so one slow exchange ` +
      'never fails the answer.',
    tags: ['multi'],
    pathParams: path.includes('{interval}')
      ? z.object({ symbol: symbolParam, interval: intervalParam })
      : z.object({ symbol: symbolParam }),
    query,
    responses: {
      200: { description: summary, body, examples: { two_exchanges: example } },
      ...errors(400, 404, 503),
    },
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
  query: Q,
  example: unknown
) {
  const scanned = FEED_SCAN_LIMIT.toLocaleString('en')
  return {
    method: 'get',
    path,
    summary: `${summary}, newest first`,
    description:
      `The newest ${scanned} events of the feed are searched. Each event's \`id\` orders the ` +
      'feed; a WebSocket stream resumes after one with `since_id` (see the AsyncAPI document).',
    tags: ['feeds'],
    query,
    responses: {
      200: { description: summary, body: z.array(record), examples: { recent: example } },
      ...errors(400, 404, 503),
    },
  } satisfies RouteSpec
}

const valueFeedQuery = z.object({
  ...feedFilters,
  min_value_usd: nonNegativeText().optional().meta({ description: 'Only events worth ≥ this' }),
  limit: limitParam('Events'),
})

/** Every documented route, in the order of `/openapi.json`; the key is its operationId. */
export const routes = {
  root: {
    method: 'get',
    path: '/',
    summary: 'Service info',
    description:
      'The service name, its version, the exchanges this deployment serves and the docs.',
    tags: ['service'],
    responses: { 200: { description: 'Info', body: RootInfo, examples: { info: EXAMPLES.root } } },
  },
  health: {
    method: 'get',
    path: '/health',
    summary: 'Backbone and exchange feed health',
    description:
      'The public view of health: `degraded` when an exchange feed is stale or silent, `down` ' +
      '(503) when Redis is unreachable. Never needs an API key.',
    tags: ['operations'],
    responses: {
      200: {
        description: 'ok or degraded',
        body: Health,
        examples: { degraded: EXAMPLES.health },
      },
      503: {
        description: 'down: Redis unreachable',
        body: Health,
        examples: { down: EXAMPLES.healthDown },
      },
    },
  },
  livez: {
    method: 'get',
    path: '/livez',
    summary: 'Liveness probe: the process answers',
    description: 'For orchestrators: 200 while the process can answer at all.',
    tags: ['operations'],
    responses: {
      200: {
        description: 'The process is alive',
        body: ProbeStatus,
        examples: { ok: EXAMPLES.probe },
      },
    },
  },
  readyz: {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness probe: this replica can serve',
    description:
      'For load balancers: 200 when the replica’s Redis connections are ready; 503 `not_ready` ' +
      'while they are not, and `stopping` from the moment it received SIGTERM (requests in ' +
      'flight still finish).',
    tags: ['operations'],
    responses: {
      200: { description: 'Ready', body: ProbeStatus, examples: { ok: EXAMPLES.probe } },
      503: {
        description: 'Not ready, or stopping',
        body: ProbeStatus,
        examples: { stopping: EXAMPLES.probeStopping },
      },
    },
  },
  exchanges: {
    method: 'get',
    path: '/exchanges',
    summary: 'Served exchanges with status and capabilities',
    description:
      'What each served exchange offers: a capability that is false (Hyperliquid has no public ' +
      'liquidations) makes its routes answer 404 saying so.',
    tags: ['service'],
    responses: {
      200: {
        description: 'Exchanges',
        body: z.array(ExchangeInfo),
        examples: { binance: EXAMPLES.exchanges },
      },
    },
  },
  ohlc: {
    method: 'get',
    path: '/{exchange}/ohlc/{symbol}/{interval}',
    summary: 'Candles, oldest first',
    description:
      'The newest `limit` candles, or those opening from `start_time` to `end_time`. The last ' +
      `one may be open (\`closed: false\`). ${CACHE_MISS}`,
    tags: ['market'],
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
    responses: {
      200: { description: 'Candles', body: z.array(Ohlc), examples: { binance: EXAMPLES.ohlc } },
      ...MARKET_ERRORS,
    },
  },
  openInterest: latestRoute(
    'open-interest',
    'Latest open interest',
    'Open interest',
    OpenInterest,
    EXAMPLES.openInterest
  ),
  fundingRate: latestRoute(
    'funding-rate',
    'Latest funding rate',
    'Funding rate',
    FundingRate,
    EXAMPLES.fundingRate
  ),
  multiOhlc: multiRoute(
    '/multi/ohlc/{symbol}/{interval}',
    'Candles of several exchanges',
    MultiOhlc,
    z.object({ exchanges: exchangesParam, limit: limitParam('Candles per exchange') }),
    EXAMPLES.multiOhlc
  ),
  multiOpenInterest: multiRoute(
    '/multi/open-interest/{symbol}',
    'Open interest of several exchanges and their USD total',
    MultiOpenInterest,
    z.object({ exchanges: exchangesParam }),
    EXAMPLES.multiOpenInterest
  ),
  multiFundingRate: multiRoute(
    '/multi/funding-rate/{symbol}',
    'Funding of several exchanges',
    MultiFundingRate,
    z.object({ exchanges: exchangesParam }),
    EXAMPLES.multiFundingRate
  ),
  liquidations: feedRoute(
    '/liquidations',
    'Liquidations',
    Liquidation,
    valueFeedQuery,
    EXAMPLES.liquidations
  ),
  largeTrades: feedRoute(
    '/large-trades',
    'Large trades',
    LargeTrade,
    valueFeedQuery,
    EXAMPLES.largeTrades
  ),
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
    }),
    EXAMPLES.oiSpikes
  ),
  metrics: {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    description: 'This replica’s metrics in the Prometheus text format; never needs an API key.',
    tags: ['operations'],
    responses: {
      200: {
        description: 'Prometheus text format',
        body: z.string(),
        contentType: 'text/plain',
        examples: { gauge: EXAMPLES.metrics },
      },
    },
  },
  openApi: {
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.1 document of the REST API, generated from the route table.',
    tags: ['service'],
    responses: {
      200: {
        description: 'OpenAPI 3.1',
        body: z.record(z.string(), z.unknown()),
      },
    },
  },
  docs: {
    method: 'get',
    path: '/docs',
    summary: 'Interactive API docs',
    description: 'Swagger UI over this document, served from the gateway (works offline).',
    tags: ['service'],
    responses: { 200: { description: 'HTML page', body: z.string(), contentType: 'text/html' } },
  },
} satisfies Record<string, RouteSpec>

type ExpressPath<P extends string> = P extends `${infer A}{${infer N}}${infer B}`
  ? `${A}:${N}${ExpressPath<B>}`
  : P

/** The express form of a route's path (`/{exchange}/ohlc` → `/:exchange/ohlc`), typed so
 * express types `req.params` by it. */
export const expressPath = <P extends string>(spec: { path: P }) =>
  spec.path.replace(/\{(\w+)\}/g, ':$1') as ExpressPath<P>
