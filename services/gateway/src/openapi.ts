import { z } from 'zod'
// Importing the schemas registers every record and body (`.meta({ id })`) in z.globalRegistry.
import { Interval, INTERVALS, SpikeTimeframe } from '@takashi/schemas'
import { FEED_SCAN_LIMIT } from './routes/feeds.ts'

type Json = Record<string, unknown>

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` })
const json = (schema: Json) => ({ 'application/json': { schema } })

/** JSON Schema of a zod schema, as OpenAPI 3.1 embeds it (no `$schema`/`$id` of its own). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Json
  delete out.$schema
  return out
}

/** Every schema registered with `.meta({ id })` (records and API bodies) as components. */
function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> }
  for (const schema of Object.values(schemas)) {
    delete schema.$schema
    delete schema.$id
  }
  return schemas
}

function param(name: string, where: 'path' | 'query', schema: z.ZodType, description: string) {
  return {
    name,
    in: where,
    required: where === 'path',
    description,
    schema: jsonSchema(schema, 'input'),
  }
}

function errors(...statuses: number[]): Record<string, Json> {
  const text: Record<number, string> = {
    400: 'A bad parameter value; the message names the parameter',
    404: 'Unknown exchange, symbol or route; the message names it',
    502: 'The exchange answered with an error',
    503: 'The Redis backbone is unavailable',
    504: 'The exchange did not answer in time',
  }
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: text[status] ?? 'Error', content: json(ref('Error')) },
    ])
  )
}

/** The OpenAPI 3.1 document of the gateway's routes, generated from the zod schemas. */
export function buildOpenApi(options: { version: string; exchanges: readonly string[] }): Json {
  const exchange = param(
    'exchange',
    'path',
    z.enum(options.exchanges as [string, ...string[]]),
    'Exchange'
  )
  const symbol = param(
    'symbol',
    'path',
    z.string(),
    'Canonical (BTCUSDT) or the exchange’s native symbol'
  )
  const interval = param(
    'interval',
    'path',
    Interval,
    `Candle interval (${INTERVALS.join(', ')}) the exchange has`
  )
  const market = [400, 404, 502, 503, 504] as const
  const exchangeFilter = param(
    'exchange',
    'query',
    z.string(),
    'Only these exchanges (comma list); default: every served exchange with the feed'
  )
  const symbolFilter = param(
    'symbol',
    'query',
    z.string(),
    'Only these symbols (comma list, canonical or native)'
  )
  const minValue = param('min_value_usd', 'query', z.number().min(0), 'Only events worth ≥ this')
  const feedLimit = param('limit', 'query', z.int().min(1).max(1000).default(100), 'Events')
  const exchangesParam = param(
    'exchanges',
    'query',
    z.string(),
    'Exchanges to ask (comma list); default: every served exchange with the data'
  )
  // one exchange failing or slower than 3 s lands in `errors`, never fails the answer
  const multiPath = (summary: string, body: string, parameters: Json[]) => ({
    get: {
      summary: `${summary}; an exchange that fails or takes over 3 s is listed in errors`,
      parameters,
      responses: {
        200: { description: summary, content: json(ref(body)) },
        ...errors(400, 404, 503),
      },
    },
  })
  const feedPath = (summary: string, record: string, parameters: Json[]) => ({
    get: {
      summary: `${summary}, newest first (the newest ${FEED_SCAN_LIMIT.toLocaleString('en')} events of the feed are searched)`,
      parameters,
      responses: {
        200: { description: summary, content: json({ type: 'array', items: ref(record) }) },
        ...errors(400, 404, 503),
      },
    },
  })
  return {
    openapi: '3.1.0',
    info: {
      title: 'takashi',
      version: options.version,
      description:
        'Normalized market data for crypto derivatives: REST from the cache, live WebSocket streams.',
    },
    paths: {
      '/': {
        get: {
          summary: 'Service info',
          responses: { 200: { description: 'Info', content: json(ref('RootInfo')) } },
        },
      },
      '/health': {
        get: {
          summary: 'Backbone and exchange feed health',
          responses: {
            200: { description: 'ok or degraded', content: json(ref('Health')) },
            503: { description: 'down: Redis unreachable', content: json(ref('Health')) },
          },
        },
      },
      '/exchanges': {
        get: {
          summary: 'Served exchanges with status and capabilities',
          responses: {
            200: {
              description: 'Exchanges',
              content: json({ type: 'array', items: ref('ExchangeInfo') }),
            },
          },
        },
      },
      '/{exchange}/ohlc/{symbol}/{interval}': {
        get: {
          summary: 'Candles, oldest first',
          parameters: [
            exchange,
            symbol,
            interval,
            param('limit', 'query', z.int().min(1).max(1000).default(100), 'Number of candles'),
            param(
              'start_time',
              'query',
              z.int().nonnegative(),
              'First open time, ms since the Unix epoch'
            ),
            param(
              'end_time',
              'query',
              z.int().nonnegative(),
              'Last open time, ms since the Unix epoch'
            ),
          ],
          responses: {
            200: { description: 'Candles', content: json({ type: 'array', items: ref('OHLC') }) },
            ...errors(...market),
          },
        },
      },
      '/{exchange}/open-interest/{symbol}': {
        get: {
          summary: 'Latest open interest',
          parameters: [exchange, symbol],
          responses: {
            200: { description: 'Open interest', content: json(ref('OpenInterest')) },
            ...errors(...market),
          },
        },
      },
      '/{exchange}/funding-rate/{symbol}': {
        get: {
          summary: 'Latest funding rate',
          parameters: [exchange, symbol],
          responses: {
            200: { description: 'Funding rate', content: json(ref('FundingRate')) },
            ...errors(...market),
          },
        },
      },
      '/multi/ohlc/{symbol}/{interval}': multiPath('Candles of several exchanges', 'MultiOhlc', [
        symbol,
        interval,
        exchangesParam,
        param('limit', 'query', z.int().min(1).max(1000).default(100), 'Candles per exchange'),
      ]),
      '/multi/open-interest/{symbol}': multiPath(
        'Open interest of several exchanges and their USD total',
        'MultiOpenInterest',
        [symbol, exchangesParam]
      ),
      '/multi/funding-rate/{symbol}': multiPath(
        'Funding of several exchanges',
        'MultiFundingRate',
        [symbol, exchangesParam]
      ),
      '/liquidations': feedPath('Liquidations', 'Liquidation', [
        exchangeFilter,
        symbolFilter,
        minValue,
        feedLimit,
      ]),
      '/large-trades': feedPath('Large trades', 'LargeTrade', [
        exchangeFilter,
        symbolFilter,
        minValue,
        feedLimit,
      ]),
      '/oi-spikes': feedPath('Open interest and volume spikes', 'OISpike', [
        exchangeFilter,
        symbolFilter,
        param('timeframe', 'query', SpikeTimeframe, 'Only spikes of this timeframe'),
        feedLimit,
      ]),
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: {
            200: {
              description: 'Prometheus text format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
    },
    components: { schemas: componentSchemas() },
  }
}
