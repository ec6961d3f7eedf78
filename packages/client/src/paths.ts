import type {
  Exchange,
  FundingRate,
  Interval,
  LargeTrade,
  List,
  Liquidation,
  Ohlc,
  OISpike,
  OpenInterest,
  SpikeTimeframe,
} from './types.ts'

// The path streams of spec/API.md §5, as `/ws` subscription paths. A path carries the record
// type it streams, so `stream.subscribe(streamPaths.liquidations(), …)` hands out Liquidation.

/** A stream path (with its query) typed by the record it streams. */
export type StreamPath<T> = string & { readonly __record?: T }

/** The record type a stream path streams. */
export type RecordOf<P> = P extends StreamPath<infer T> ? T : unknown

type Query = Record<string, string | number | readonly string[] | undefined>

function withQuery(path: string, query: Query = {}): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue
    search.set(name, typeof value === 'object' ? value.join(',') : String(value))
  }
  const text = search.toString()
  return text === '' ? path : `${path}?${text}`
}

const market = (exchange: Exchange, symbol: string, stream: string) =>
  `/ws/${encodeURIComponent(exchange)}/${encodeURIComponent(symbol)}/${stream}`

export interface EventFilter {
  /** only these exchanges; default every served exchange with the feed */
  exchanges?: List<Exchange>
  /** only these symbols (canonical or native) */
  symbols?: List
  /** resume after this event id (the client fills it in itself after a reconnect) */
  since_id?: string
}

export interface MarketEventFilter {
  exchange: Exchange
  symbol: string
  min_value_usd?: number
  since_id?: string
}

export const streamPaths = {
  /** Liquidations across exchanges (an event stream: resumable) */
  liquidations: (filter: EventFilter & { min_value_usd?: number } = {}) =>
    withQuery('/ws/liquidations', { ...filter }) as StreamPath<Liquidation>,
  /** Large trades across exchanges (an event stream: resumable) */
  largeTrades: (filter: EventFilter & { min_value_usd?: number } = {}) =>
    withQuery('/ws/large-trades', { ...filter }) as StreamPath<LargeTrade>,
  /** Open interest and volume spikes (an event stream: resumable) */
  oiSpikes: (filter: EventFilter & { timeframe?: SpikeTimeframe } = {}) =>
    withQuery('/ws/oi-spikes', { ...filter }) as StreamPath<OISpike>,
  /** Liquidations of one market (an event stream: resumable) */
  marketLiquidations: ({ exchange, symbol, ...query }: MarketEventFilter) =>
    withQuery(market(exchange, symbol, 'liquidations'), query) as StreamPath<Liquidation>,
  /** Large trades of one market (an event stream: resumable) */
  marketLargeTrades: ({ exchange, symbol, ...query }: MarketEventFilter) =>
    withQuery(market(exchange, symbol, 'large-trades'), query) as StreamPath<LargeTrade>,
  /** The open candle as it changes, then the closed one; the cached candle first */
  ohlc: (p: { exchange: Exchange; symbol: string; interval?: Interval }) =>
    withQuery(market(p.exchange, p.symbol, 'ohlc'), { interval: p.interval }) as StreamPath<Ohlc>,
  /** Every trade, as LargeTrade records without a floor */
  trades: (p: { exchange: Exchange; symbol: string }) =>
    market(p.exchange, p.symbol, 'trades') as StreamPath<LargeTrade>,
  /** Open interest updates; the cached value first */
  openInterest: (p: { exchange: Exchange; symbol: string }) =>
    market(p.exchange, p.symbol, 'open-interest') as StreamPath<OpenInterest>,
  /** Funding updates; the cached value first */
  fundingRate: (p: { exchange: Exchange; symbol: string }) =>
    market(p.exchange, p.symbol, 'funding-rate') as StreamPath<FundingRate>,
}

/** The event feed a stream path reads (`liquidations`, …), or undefined for a latest-value or trade stream. */
export function feedOfPath(
  path: string
): 'liquidations' | 'large-trades' | 'oi-spikes' | undefined {
  const pathname = path.split('?')[0] ?? ''
  const parts = pathname.split('/')
  const last = parts[parts.length - 1]
  const feedShaped =
    (parts.length === 3 && last === 'oi-spikes') ||
    ((parts.length === 3 || parts.length === 5) &&
      (last === 'liquidations' || last === 'large-trades'))
  return parts[1] === 'ws' && feedShaped ? last : undefined
}

/** A path without its `since_id`, and the `since_id` it had. */
export function splitSinceId(path: string): { path: string; sinceId: string | undefined } {
  const [pathname = '', search = ''] = path.split(/\?(.*)/s)
  const query = new URLSearchParams(search)
  const sinceId = query.get('since_id') ?? undefined
  query.delete('since_id')
  const rest = query.toString()
  return { path: rest === '' ? pathname : `${pathname}?${rest}`, sinceId }
}

/** `path` resuming after `sinceId`. */
export function withSinceId(path: string, sinceId: string | undefined): string {
  if (sinceId === undefined) return path
  return `${path}${path.includes('?') ? '&' : '?'}since_id=${encodeURIComponent(sinceId)}`
}

/** Orders event ids (`<ms>-<seq>`) as the feed does. */
export function compareEventIds(a: string, b: string): number {
  const [ams = 0, aseq = 0] = a.split('-').map(Number)
  const [bms = 0, bseq = 0] = b.split('-').map(Number)
  return ams - bms || aseq - bseq
}
