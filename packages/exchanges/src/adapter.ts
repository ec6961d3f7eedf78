import type {
  Capabilities,
  ExchangeId,
  FundingRate,
  Interval,
  NormalizedRecord,
  Ohlc,
  OpenInterest,
  SpikeTimeframe,
} from '@takashi/schemas'
import type { MarketFacts, MarketUpdate } from './market.ts'
import type { UrlEnv, UrlsOf } from './urls.ts'

/** What a parser reads besides the frame; it never writes any of it. */
export interface ParseContext {
  /** when the ingestor received the frame (ms) */
  receivedAt: number
  /** canonical symbols tracked; anything else is ignored */
  symbols: ReadonlySet<string>
  market: MarketFacts
}

/** What REST calls get: a parse context, and where to report the market facts they learn. */
export interface RestContext extends ParseContext {
  learn(update: MarketUpdate): void
}

/**
 * The outcome of parsing one frame. A bad frame is data, not an exception: `invalid` frames are
 * counted and dropped by the ingestor, never thrown.
 */
export type ParseResult =
  | {
      kind: 'records'
      /** the venue stream the frame belongs to (matches a StreamSpec name) */
      stream: string
      records: NormalizedRecord[]
      /** market facts the frame carried (absent when none), for the ingestor to apply */
      learnt?: MarketUpdate
    }
  | { kind: 'ignored'; stream?: string; reason: string; learnt?: MarketUpdate }
  | { kind: 'pong' }
  | { kind: 'venue_error'; message: string }
  | { kind: 'invalid'; reason: string }

/**
 * Parses the frames of one connection, holding that connection's merge state (e.g. Bybit ticker
 * snapshots). A (re)connected socket gets a new parser, so nothing carries over a gap.
 */
export interface FrameParser {
  parse(frame: string, ctx: ParseContext): ParseResult
}

export interface StreamSpec {
  /** venue stream name, e.g. `btcusdt@aggTrade` */
  name: string
  /**
   * A busy stream carries data every few seconds, so silence means a dead connection;
   * a quiet one (liquidations) may be silent for hours and never triggers a reconnect.
   */
  busy: boolean
  /** what the venue's subscribe request names (an OKX arg, a Hyperliquid subscription); the name when absent */
  arg?: unknown
}

/**
 * How streams are added to and removed from an open socket, and the venue's limits on one
 * socket. With it the ingestor moves streams on live connections instead of reconnecting.
 */
export interface LiveControl {
  /** the URL to open carrying `streams` (Binance names a socket's streams in its URL) */
  url(streams: readonly StreamSpec[]): string
  /** true when the URL already subscribes the streams, so a (re)connect sends no frame */
  streamsInUrl: boolean
  /** frames subscribing `streams` on an open socket, batched as the venue allows */
  subscribe(streams: readonly StreamSpec[]): string[]
  unsubscribe(streams: readonly StreamSpec[]): string[]
  /** streams one socket may carry */
  maxStreams: number
  /** subscribe/unsubscribe requests one socket may send per hour (OKX: 480) */
  requestsPerHour?: number
}

/** What a venue allows per IP, for the ingestor's sharding. */
export interface VenueLimits {
  /** sockets open at once (Hyperliquid: 10) */
  maxConnections: number
  /** subscriptions across every socket (Hyperliquid: 1000) */
  maxStreams?: number
  /** least time between opening two sockets (OKX: 3 a second) */
  connectSpacingMs: number
}

export type Heartbeat =
  /** WebSocket protocol ping frames (`ws.ping()`), pong expected within `timeoutMs` */
  | { kind: 'protocol'; intervalMs: number; timeoutMs: number }
  /** an application-level text frame; the parser reports the answer as `{ kind: 'pong' }` */
  | { kind: 'message'; frame: string; intervalMs: number; timeoutMs: number }

/** One WebSocket connection the ingestor keeps open. */
export interface ConnectionSpec {
  id: string
  url: string
  /** text frames sent after each (re)connect, in order */
  subscribe: string[]
  /** minimum spacing between subscribe frames (venue inbound message limits) */
  subscribeSpacingMs: number
  heartbeat: Heartbeat
  streams: StreamSpec[]
  /** a busy stream silent this long marks the connection dead */
  staleAfterMs: number
  /** sockets of one family share a URL and carry the same kinds of streams; default the id */
  family?: string
  /** present when streams can be changed on the open socket */
  control?: LiveControl
}

export interface RestRequest {
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string | number | undefined>
  body?: unknown
  /** cost against the exchange's REST budget */
  weight: number
}

/** The ingestor's HTTP client as adapters see it: budgeted, with errors already classified. */
export interface RestClient {
  request(request: RestRequest): Promise<unknown>
}

export interface CandleRequest {
  symbol: string
  interval: Interval
  limit: number
  start_time?: number | undefined
  end_time?: number | undefined
}

export interface MarketInfo {
  /** canonical symbols the exchange lists as live USD-margined perpetuals */
  symbols: Set<string>
  /** the REST budget the ingestor may spend per minute (about half the venue's limit) */
  restWeightPerMinute: number
  /** live perpetuals whose name has no canonical form (e.g. non-ASCII), skipped */
  unrepresentable?: string[]
}

/** A REST poll the ingestor runs on a timer (OI, funding periods, instrument refresh). */
export interface PollSpec {
  name: string
  everyMs: number
  run(rest: RestClient, ctx: RestContext): Promise<NormalizedRecord[]>
}

/**
 * One exchange: pure parsers and request builders, plus thin REST functions that take the
 * ingestor's client. All sockets, timers and Redis live in the ingestor. `E` names the
 * adapter's URL settings and the environment variables they come from.
 */
export interface ExchangeAdapter<E extends UrlEnv = UrlEnv> {
  readonly id: ExchangeId
  readonly capabilities: Capabilities
  /** canonical intervals the exchange serves */
  readonly intervals: readonly Interval[]
  /** canonical symbol (BTCUSDT) → the exchange's form; null when it cannot exist there */
  toNative(symbol: string): string | null
  /** the exchange's form → canonical; null for anything that is not a USD-margined perpetual */
  fromNative(native: string): string | null
  /** each URL setting → the environment variable it is read from */
  readonly urlEnv: E
  /** per-IP limits the ingestor's sharding keeps within */
  readonly limits: VenueLimits
  connections(
    urls: UrlsOf<E>,
    symbols: readonly string[],
    intervals: readonly Interval[]
  ): ConnectionSpec[]
  /** a parser for one connection; make a new one on every (re)connect */
  createParser(): FrameParser
  rest: {
    loadMarkets(rest: RestClient, ctx: RestContext): Promise<MarketInfo>
    candles(rest: RestClient, request: CandleRequest, ctx: RestContext): Promise<Ohlc[]>
    openInterest(rest: RestClient, symbol: string, ctx: RestContext): Promise<OpenInterest>
    fundingRate(rest: RestClient, symbol: string, ctx: RestContext): Promise<FundingRate>
    /** open interest at each period close, oldest first, where the exchange keeps a history */
    openInterestHistory?(
      rest: RestClient,
      request: { symbol: string; timeframe: SpikeTimeframe; limit: number },
      ctx: RestContext
    ): Promise<OpenInterest[]>
  }
  polls(symbols: readonly string[]): PollSpec[]
}

/** The environment variables an adapter's URL settings come from (a union of names). */
export type UrlVarOf<A> = A extends ExchangeAdapter<infer E> ? E[keyof E] : never

/** Records of a parse result, or none. */
export function recordsOf(result: ParseResult): NormalizedRecord[] {
  return result.kind === 'records' ? result.records : []
}

/** Market facts a parse result learnt, or none. */
export function learntOf(result: ParseResult): MarketUpdate | undefined {
  return result.kind === 'records' || result.kind === 'ignored' ? result.learnt : undefined
}

/** Id of a trade derived from the event itself, stable across re-delivery. */
export function tradeEventId(exchange: ExchangeId, symbol: string, tradeId: string): string {
  return `${exchange}:${symbol}:${tradeId}`
}

/**
 * Id of a liquidation derived from the event (venues give none), stable across re-delivery:
 * the same exchange, symbol, time, side, price and quantity is the same liquidation.
 */
export function liquidationEventId(
  exchange: ExchangeId,
  symbol: string,
  record: { timestamp: number; side: string; price: number; quantity: number }
): string {
  return [exchange, symbol, record.timestamp, record.side, record.price, record.quantity].join(':')
}
