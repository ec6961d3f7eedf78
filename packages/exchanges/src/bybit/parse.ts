import type { FundingRate, NormalizedRecord, OpenInterest } from '@takashi/schemas'
import {
  liquidationEventId,
  tradeEventId,
  type FrameParser,
  type ParseContext,
  type ParseResult,
} from '../adapter.ts'
import { DEFAULT_FUNDING_INTERVAL_HOURS } from '../funding-history.ts'
import { describeIssue } from '../wire-common.ts'
import { fromNative, intervalFromNative } from './symbols.ts'
import {
  BybitDataFrame,
  BybitKlines,
  BybitLiquidations,
  BybitOpFrame,
  BybitTicker,
  BybitTrades,
} from './wire.ts'

/** Tickers push every 100 ms; open interest and funding are published at most once a second. */
export const TICKER_PUBLISH_EVERY_MS = 1_000

/** What a connection remembers of each tracked symbol's ticker. */
type TickerMemories = Map<string, TickerMemory>

type TopicParser = (
  topic: string,
  frame: { type?: string | undefined; ts?: number | undefined; data: unknown },
  ctx: ParseContext,
  tickers: TickerMemories
) => ParseResult

const topicParsers: Record<string, TopicParser> = {
  publicTrade: parseTrades,
  kline: parseKlines,
  tickers: parseTicker,
  allLiquidation: parseLiquidations,
}

/** A connection's parser: it merges the connection's ticker deltas onto their snapshots. */
export function createParser(): FrameParser {
  const tickers: TickerMemories = new Map()
  return { parse: (frame, ctx) => parseFrame(frame, ctx, tickers) }
}

/**
 * One WebSocket text frame → records, given what this connection saw of each ticker. Never
 * throws: bad frames come back as `invalid`.
 */
export function parseFrame(frame: string, ctx: ParseContext, tickers: TickerMemories): ParseResult {
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return { kind: 'invalid', reason: 'not JSON' }
  }
  const op = BybitOpFrame.safeParse(json)
  if (op.success) return parseOp(op.data)
  const data = BybitDataFrame.safeParse(json)
  if (!data.success) return { kind: 'invalid', reason: 'neither a topic nor an op frame' }
  const { topic } = data.data
  const parser = topicParsers[topic.split('.')[0] ?? '']
  if (!parser) return { kind: 'ignored', stream: topic, reason: `unhandled topic ${topic}` }
  return parser(topic, data.data, ctx, tickers)
}

function parseOp(frame: {
  op: string
  success?: boolean | undefined
  ret_msg?: string | undefined
}): ParseResult {
  // linear answers a ping with op "ping" and ret_msg "pong"; other markets with op "pong"
  if (frame.op === 'pong' || (frame.op === 'ping' && frame.ret_msg === 'pong')) {
    return { kind: 'pong' }
  }
  if (frame.success === false) {
    return { kind: 'venue_error', message: `${frame.op}: ${frame.ret_msg ?? 'failed'}` }
  }
  return { kind: 'ignored', reason: `${frame.op} ack` }
}

function parseTrades(topic: string, frame: { data: unknown }, ctx: ParseContext): ParseResult {
  const parsed = BybitTrades.safeParse(frame.data)
  if (!parsed.success) return invalid(topic, parsed.error)
  const records: NormalizedRecord[] = []
  for (const trade of parsed.data) {
    const symbol = tracked(trade.s, ctx)
    if (!symbol) continue
    const price = Number(trade.p)
    const quantity = Number(trade.v)
    records.push({
      kind: 'trade',
      record: {
        exchange: 'bybit',
        symbol,
        timestamp: trade.T,
        received_at: ctx.receivedAt,
        id: tradeEventId('bybit', symbol, trade.i),
        // `S` is the taker's side
        side: trade.S === 'Buy' ? 'buy' : 'sell',
        price,
        quantity,
        value_usd: price * quantity,
        trade_id: trade.i,
      },
    })
  }
  return found(topic, records)
}

function parseKlines(topic: string, frame: { data: unknown }, ctx: ParseContext): ParseResult {
  const parsed = BybitKlines.safeParse(frame.data)
  if (!parsed.success) return invalid(topic, parsed.error)
  // kline.{interval}.{symbol}
  const [, native = '', name = ''] = topic.split('.')
  const interval = intervalFromNative(native)
  const symbol = tracked(name, ctx)
  if (interval === null || symbol === null) return ignored(topic, 'untracked symbol or interval')
  const records: NormalizedRecord[] = parsed.data.map((kline) => ({
    kind: 'ohlc',
    record: {
      exchange: 'bybit',
      symbol,
      timestamp: kline.start,
      received_at: ctx.receivedAt,
      interval,
      open: Number(kline.open),
      high: Number(kline.high),
      low: Number(kline.low),
      close: Number(kline.close),
      volume: Number(kline.volume),
      quote_volume: Number(kline.turnover),
      // Bybit reports no trade count
      trades: null,
      closed: kline.confirm,
    },
  }))
  return found(topic, records)
}

/** What a connection knows of a symbol's ticker: the merged state and what is unpublished. */
interface TickerMemory {
  state: BybitTicker
  openInterestDirty: boolean
  fundingDirty: boolean
  publishedAt: number
}

/**
 * A snapshot replaces the symbol's state; a delta carries only changed fields, merged onto the
 * last snapshot ("if a response param is not found in the message, its value has not changed").
 * The state lives in the connection's parser, which a reconnect replaces; Bybit then sends a
 * snapshot.
 */
function parseTicker(
  topic: string,
  frame: { type?: string | undefined; ts?: number | undefined; data: unknown },
  ctx: ParseContext,
  tickers: TickerMemories
): ParseResult {
  const parsed = BybitTicker.safeParse(frame.data)
  if (!parsed.success) return invalid(topic, parsed.error)
  const update = parsed.data
  const symbol = tracked(update.symbol, ctx)
  if (!symbol) return ignored(topic, `untracked symbol ${update.symbol}`)
  const previous = tickers.get(symbol)
  if (frame.type === 'delta' && !previous) return ignored(topic, 'delta before any snapshot')
  const snapshot = frame.type !== 'delta'
  const memory: TickerMemory = {
    state: snapshot || !previous ? update : mergeDefined(previous.state, update),
    openInterestDirty:
      snapshot ||
      (previous?.openInterestDirty ?? false) ||
      update.openInterest !== undefined ||
      update.singleOpenInterest !== undefined,
    fundingDirty:
      snapshot ||
      (previous?.fundingDirty ?? false) ||
      update.fundingRate !== undefined ||
      update.nextFundingTime !== undefined,
    publishedAt: snapshot
      ? Number.NEGATIVE_INFINITY
      : (previous?.publishedAt ?? Number.NEGATIVE_INFINITY),
  }
  tickers.set(symbol, memory)
  const { state } = memory
  // the merged mark price is learnt whether or not this frame is published
  const learnt = state.markPrice !== undefined && {
    learnt: { markPrice: { [symbol]: Number(state.markPrice) } },
  }

  const at = frame.ts ?? ctx.receivedAt
  if (at - memory.publishedAt < TICKER_PUBLISH_EVERY_MS)
    return { ...ignored(topic, 'published < 1 s ago'), ...learnt }
  const records: NormalizedRecord[] = []
  const openInterest = tickerOpenInterest(state, symbol, at, ctx)
  if (memory.openInterestDirty && openInterest) {
    records.push({ kind: 'open_interest', record: openInterest })
    memory.openInterestDirty = false
  }
  const funding = tickerFundingRate(state, symbol, at, ctx)
  if (memory.fundingDirty && funding) {
    records.push({ kind: 'funding_rate', record: funding })
    memory.fundingDirty = false
  }
  if (records.length === 0)
    return { ...ignored(topic, 'no open interest or funding change'), ...learnt }
  memory.publishedAt = at
  return { kind: 'records', stream: topic, records, ...learnt }
}

function mergeDefined(state: BybitTicker, update: BybitTicker): BybitTicker {
  const merged: Record<string, unknown> = { ...state }
  for (const [field, value] of Object.entries(update))
    if (value !== undefined) merged[field] = value
  return merged as BybitTicker
}

/**
 * Open interest in base units. Bybit's `openInterest` counts both sides of every contract, the
 * newer `singleOpenInterest` one side, as Binance and OKX count: it is preferred when present.
 */
export function tickerOpenInterest(
  ticker: BybitTicker,
  symbol: string,
  at: number,
  ctx: ParseContext
): OpenInterest | null {
  const single = ticker.singleOpenInterest !== undefined
  const amount = single ? ticker.singleOpenInterest : ticker.openInterest
  if (amount === undefined) return null
  const value = single ? ticker.singleOpenInterestValue : ticker.openInterestValue
  const mark = ticker.markPrice ?? ctx.market.markPrice.get(symbol)
  return {
    exchange: 'bybit',
    symbol,
    timestamp: at,
    received_at: ctx.receivedAt,
    open_interest: Number(amount),
    open_interest_usd:
      value !== undefined
        ? Number(value)
        : mark !== undefined
          ? Number(amount) * Number(mark)
          : null,
  }
}

/** The funding rate per the symbol's period (from instruments-info, else the ticker, else 8 h). */
export function tickerFundingRate(
  ticker: BybitTicker,
  symbol: string,
  at: number,
  ctx: ParseContext
): FundingRate | null {
  if (ticker.fundingRate === undefined) return null
  const hours =
    ctx.market.fundingIntervalHours.get(symbol) ??
    (ticker.fundingIntervalHour !== undefined ? Number(ticker.fundingIntervalHour) : undefined) ??
    DEFAULT_FUNDING_INTERVAL_HOURS
  return {
    exchange: 'bybit',
    symbol,
    timestamp: at,
    received_at: ctx.receivedAt,
    funding_rate: Number(ticker.fundingRate),
    interval_hours: hours > 0 ? hours : DEFAULT_FUNDING_INTERVAL_HOURS,
    next_funding_time: ticker.nextFundingTime ?? null,
    mark_price: ticker.markPrice !== undefined ? Number(ticker.markPrice) : null,
  }
}

function parseLiquidations(
  topic: string,
  frame: { data: unknown },
  ctx: ParseContext
): ParseResult {
  const parsed = BybitLiquidations.safeParse(frame.data)
  if (!parsed.success) return invalid(topic, parsed.error)
  const records: NormalizedRecord[] = []
  for (const event of parsed.data) {
    const symbol = tracked(event.s, ctx)
    if (!symbol) continue
    const price = Number(event.p)
    const quantity = Number(event.v)
    // `S` is the liquidated POSITION's side: "When you receive a Buy update, this means that a
    // long position has been liquidated" (Bybit docs, all-liquidation) — the opposite of Binance.
    const side = event.S === 'Buy' ? 'long' : 'short'
    const timing = { timestamp: event.T, side, price, quantity }
    records.push({
      kind: 'liquidation',
      record: {
        exchange: 'bybit',
        symbol,
        timestamp: event.T,
        received_at: ctx.receivedAt,
        id: liquidationEventId('bybit', symbol, timing),
        side,
        price,
        quantity,
        // at the bankruptcy price, the only price Bybit gives
        value_usd: price * quantity,
      },
    })
  }
  return found(topic, records)
}

/** The canonical symbol when it is a USDT perpetual takashi tracks. */
function tracked(native: string, ctx: ParseContext): string | null {
  const symbol = fromNative(native)
  return symbol !== null && ctx.symbols.has(symbol) ? symbol : null
}

function found(topic: string, records: NormalizedRecord[]): ParseResult {
  if (records.length === 0) return ignored(topic, 'nothing for a tracked symbol')
  return { kind: 'records', stream: topic, records }
}

function ignored(stream: string, reason: string): ParseResult & { kind: 'ignored' } {
  return { kind: 'ignored', stream, reason }
}

function invalid(topic: string, error: Parameters<typeof describeIssue>[0]): ParseResult {
  return { kind: 'invalid', reason: `${topic}: ${describeIssue(error)}` }
}
