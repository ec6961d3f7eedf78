// Example answers shown in `/openapi.json`: one consistent moment (2023-11-14 22:13 UTC) of
// Binance and OKX BTCUSDT. A test parses each with the answer's schema, so they stay valid.

const T = 1_700_000_000_000
const common = (exchange: 'binance' | 'okx', timestamp: number) => ({
  exchange,
  symbol: 'BTCUSDT',
  timestamp,
  received_at: timestamp + 45,
})

const candle = (exchange: 'binance' | 'okx', minutesAgo: number, close: number) => ({
  ...common(exchange, T - 60_000 * minutesAgo),
  interval: '1m',
  open: 37_120.5,
  high: 37_151.2,
  low: 37_101.1,
  close,
  volume: 182.416,
  quote_volume: exchange === 'okx' ? null : 6_771_503.9,
  trades: exchange === 'okx' ? null : 3_127,
  closed: minutesAgo > 0,
})

const openInterest = (exchange: 'binance' | 'okx', base: number) => ({
  ...common(exchange, T),
  open_interest: base,
  open_interest_usd: Math.round(base * 37_140.2),
})

const fundingRate = (exchange: 'binance' | 'okx', rate: number) => ({
  ...common(exchange, T),
  funding_rate: rate,
  interval_hours: 8,
  next_funding_time: 1_700_006_400_000,
  mark_price: 37_140.2,
})

export const EXAMPLES = {
  root: { name: 'takashi', version: '0.1.0', exchanges: ['binance', 'okx'], docs: '/docs' },
  health: {
    status: 'degraded',
    redis: 'ok',
    exchanges: {
      binance: { status: 'ok', last_message_age_ms: 120 },
      okx: { status: 'degraded', last_message_age_ms: 95_000 },
    },
  },
  healthDown: {
    status: 'down',
    redis: 'down',
    exchanges: { binance: { status: 'down', last_message_age_ms: null } },
  },
  probe: { status: 'ok' },
  probeStopping: { status: 'stopping' },
  exchanges: [
    {
      name: 'binance',
      status: 'ok',
      symbols: 2,
      capabilities: {
        ohlc: true,
        open_interest: true,
        funding_rate: true,
        liquidations: true,
        large_trades: true,
        trades: true,
      },
    },
  ],
  ohlc: [candle('binance', 1, 37_140.2), candle('binance', 0, 37_146.9)],
  openInterest: openInterest('binance', 81_230.114),
  fundingRate: fundingRate('binance', 0.0001),
  multiOhlc: {
    symbol: 'BTCUSDT',
    interval: '1m',
    exchanges: { binance: [candle('binance', 1, 37_140.2)], okx: [candle('okx', 1, 37_139.8)] },
    errors: {},
  },
  multiOpenInterest: {
    symbol: 'BTCUSDT',
    total_open_interest_usd: Math.round(81_230.114 * 37_140.2) + Math.round(29_870.5 * 37_140.2),
    exchanges: {
      binance: openInterest('binance', 81_230.114),
      okx: openInterest('okx', 29_870.5),
    },
    errors: {},
  },
  multiFundingRate: {
    symbol: 'BTCUSDT',
    exchanges: { binance: fundingRate('binance', 0.0001) },
    errors: { okx: 'the exchange did not answer in time' },
  },
  liquidations: [
    {
      id: '1700000000000-0',
      ...common('binance', T - 12),
      side: 'long',
      price: 37_120.5,
      quantity: 1.25,
      value_usd: 46_400.625,
    },
  ],
  largeTrades: [
    {
      id: '1700000000000-1',
      ...common('okx', T - 3),
      side: 'buy',
      price: 37_141,
      quantity: 5,
      value_usd: 185_705,
      trade_id: '456728921',
    },
  ],
  oiSpikes: [
    {
      id: '1700000000000-2',
      ...common('binance', T),
      timeframe: '5m',
      metric: 'open_interest',
      value: 81_230.114,
      mean: 80_112.4,
      stdev: 301.7,
      z_score: 3.7,
      threshold: 3,
    },
  ],
  metrics: [
    '# HELP takashi_gateway_ws_clients Connected WebSocket clients, by stream',
    '# TYPE takashi_gateway_ws_clients gauge',
    'takashi_gateway_ws_clients{stream="liquidations"} 3',
    '',
  ].join('\n'),
}

const error = (code: string, message: string) => ({ error: { code, message } })

/** Error bodies by status, each under the code it shows. */
export const ERROR_EXAMPLES: Record<
  number,
  Record<string, { error: { code: string; message: string } }>
> = {
  400: { bad_request: error('bad_request', 'limit: must be an integer from 1 to 1000') },
  401: { unauthorized: error('unauthorized', 'an API key is required (X-API-Key header)') },
  404: {
    unknown_exchange: error('unknown_exchange', "unknown exchange 'kraken' (served: binance, okx)"),
    unknown_symbol: error(
      'unknown_symbol',
      "unknown symbol 'DOGEUSDT' on binance (served: BTCUSDT, ETHUSDT)"
    ),
  },
  429: { rate_limited: error('rate_limited', 'more than 1200 requests a minute; retry in 12 s') },
  502: { upstream_error: error('upstream_error', 'binance answered HTTP 418') },
  503: {
    backbone_unavailable: error('backbone_unavailable', 'the Redis backbone is unavailable'),
    busy: error('busy', 'the exchange budget for client requests is spent; retry in 2 s'),
  },
  504: { upstream_timeout: error('upstream_timeout', 'the exchange did not answer in time') },
}
