// The page's filters and their place in the URL (`?symbol=BTCUSDT&exchange=okx&interval=5m`), so a
// view can be bookmarked and shared. Pure: no DOM, tested in packages/ui/test.

export const EXCHANGES = ['binance', 'bybit', 'okx', 'hyperliquid'] as const
export const CHART_INTERVALS = ['1m', '5m', '15m', '1h'] as const
export type ChartInterval = (typeof CHART_INTERVALS)[number]

export interface Filters {
  /** canonical symbol shown everywhere on the page */
  symbol: string
  /** one exchange, or null for all of them */
  exchange: string | null
  /** the candle chart's interval */
  interval: ChartInterval
}

export const DEFAULT_FILTERS: Filters = { symbol: 'BTCUSDT', exchange: null, interval: '1m' }

// canonical (BTCUSDT) and native forms (BTC-USDT-SWAP, kPEPE) are both accepted by the API
const SYMBOL = /^[A-Za-z0-9-]{2,40}$/

/** Filters from a query string; anything unreadable falls back to its default. */
export function readFilters(search: string): Filters {
  const params = new URLSearchParams(search)
  const symbol = params.get('symbol')?.trim() ?? ''
  const exchange = params.get('exchange') ?? ''
  const interval = params.get('interval') ?? ''
  return {
    symbol: SYMBOL.test(symbol) ? symbol.toUpperCase() : DEFAULT_FILTERS.symbol,
    exchange: (EXCHANGES as readonly string[]).includes(exchange) ? exchange : null,
    interval: CHART_INTERVALS.find((known) => known === interval) ?? DEFAULT_FILTERS.interval,
  }
}

/** The query string of `filters`; defaults are left out so plain `/ui` stays plain. */
export function writeFilters(filters: Filters): string {
  const params = new URLSearchParams()
  if (filters.symbol !== DEFAULT_FILTERS.symbol) params.set('symbol', filters.symbol)
  if (filters.exchange !== null) params.set('exchange', filters.exchange)
  if (filters.interval !== DEFAULT_FILTERS.interval) params.set('interval', filters.interval)
  const query = params.toString()
  return query === '' ? '' : `?${query}`
}
