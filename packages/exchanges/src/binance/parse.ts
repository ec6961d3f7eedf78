import type { NormalizedRecord } from '@takashi/schemas'
import {
  liquidationEventId,
  tradeEventId,
  type FrameParser,
  type ParseContext,
  type ParseResult,
} from '../adapter.ts'
import { streamName } from './subscriptions.ts'
import { fromNative, intervalFromNative } from './symbols.ts'
import {
  BinanceAck,
  BinanceAggTrade,
  BinanceCombinedFrame,
  BinanceErrorFrame,
  BinanceEventHeader,
  BinanceForceOrder,
  BinanceKlineEvent,
  BinanceMarkPrice,
} from './wire.ts'
import { DEFAULT_FUNDING_INTERVAL_HOURS } from '../funding-history.ts'
import { describeIssue } from '../wire-common.ts'

type EventParser = (data: unknown, stream: string | undefined, ctx: ParseContext) => ParseResult

const eventParsers: Record<string, EventParser> = {
  aggTrade: parseAggTrade,
  kline: parseKline,
  forceOrder: parseForceOrder,
  markPriceUpdate: parseMarkPrice,
}

/** A connection's parser; Binance frames need no memory of earlier ones. */
export function createParser(): FrameParser {
  return { parse: parseFrame }
}

/**
 * One WebSocket text frame → records. Accepts combined frames (`{"stream","data"}`) and bare
 * events (raw `/ws` mode). Never throws: bad frames come back as `invalid`.
 */
export function parseFrame(frame: string, ctx: ParseContext): ParseResult {
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return { kind: 'invalid', reason: 'not JSON' }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'invalid', reason: 'not a JSON object' }
  }

  const combined = BinanceCombinedFrame.safeParse(json)
  if (combined.success) return parseEvent(combined.data.data, combined.data.stream, ctx)

  if (BinanceAck.safeParse(json).success) return { kind: 'ignored', reason: 'control frame ack' }

  const error = BinanceErrorFrame.safeParse(json)
  if (error.success) {
    const { code, msg } = 'error' in error.data ? error.data.error : error.data
    return { kind: 'venue_error', message: `${code}: ${msg}` }
  }

  return parseEvent(json, undefined, ctx)
}

function parseEvent(data: unknown, stream: string | undefined, ctx: ParseContext): ParseResult {
  const header = BinanceEventHeader.safeParse(data)
  if (!header.success) return { kind: 'invalid', reason: 'no event type (`e`)' }
  const parser = eventParsers[header.data.e]
  if (!parser) return ignored(stream, `unhandled event ${header.data.e}`)
  return parser(data, stream, ctx)
}

function parseAggTrade(data: unknown, stream: string | undefined, ctx: ParseContext): ParseResult {
  const parsed = BinanceAggTrade.safeParse(data)
  if (!parsed.success) return invalid('aggTrade', parsed.error)
  const event = parsed.data
  const name = stream ?? streamName.aggTrade(event.s)
  const symbol = tracked(event.s, ctx)
  if (!symbol) return ignored(name, `untracked symbol ${event.s}`)

  const price = Number(event.p)
  const quantity = Number(event.q)
  // 2019 frames have no aggregate id; the first trade id identifies the aggregate as well.
  const tradeId = String(event.a ?? event.f)
  return records(name, {
    kind: 'trade',
    record: {
      exchange: 'binance',
      symbol,
      timestamp: event.T,
      received_at: ctx.receivedAt,
      id: tradeEventId('binance', symbol, tradeId),
      // `m`: "Is the buyer the market maker?" — true means the taker sold.
      side: event.m ? 'sell' : 'buy',
      price,
      quantity,
      value_usd: price * quantity,
      trade_id: tradeId,
    },
  })
}

function parseKline(data: unknown, stream: string | undefined, ctx: ParseContext): ParseResult {
  const parsed = BinanceKlineEvent.safeParse(data)
  if (!parsed.success) return invalid('kline', parsed.error)
  const { s, k } = parsed.data
  const name = stream ?? streamName.kline(s, k.i)
  const symbol = tracked(s, ctx)
  if (!symbol) return ignored(name, `untracked symbol ${s}`)
  const interval = intervalFromNative(k.i)
  if (!interval) return ignored(name, `unserved interval ${k.i}`)

  return records(name, {
    kind: 'ohlc',
    record: {
      exchange: 'binance',
      symbol,
      timestamp: k.t,
      received_at: ctx.receivedAt,
      interval,
      open: Number(k.o),
      high: Number(k.h),
      low: Number(k.l),
      close: Number(k.c),
      volume: Number(k.v),
      quote_volume: Number(k.q),
      trades: k.n,
      closed: k.x,
    },
  })
}

function parseForceOrder(
  data: unknown,
  stream: string | undefined,
  ctx: ParseContext
): ParseResult {
  const parsed = BinanceForceOrder.safeParse(data)
  if (!parsed.success) return invalid('forceOrder', parsed.error)
  const order = parsed.data.o
  const name = stream ?? streamName.forceOrder(order.s)
  const symbol = tracked(order.s, ctx)
  if (!symbol) return ignored(name, `untracked symbol ${order.s}`)

  // Filled quantity at the average fill price; an unfilled snapshot falls back to the order's own.
  const quantity = Number(order.z) || Number(order.q)
  const price = Number(order.ap) || Number(order.p)
  // `S` is the side of the forced order that closes the position: "SELL" = a long was liquidated.
  const side = order.S === 'SELL' ? 'long' : 'short'
  const timestamp = order.T
  return records(name, {
    kind: 'liquidation',
    record: {
      exchange: 'binance',
      symbol,
      timestamp,
      received_at: ctx.receivedAt,
      id: liquidationEventId('binance', symbol, { timestamp, side, price, quantity }),
      side,
      price,
      quantity,
      value_usd: price * quantity,
    },
  })
}

function parseMarkPrice(data: unknown, stream: string | undefined, ctx: ParseContext): ParseResult {
  const parsed = BinanceMarkPrice.safeParse(data)
  if (!parsed.success) return invalid('markPriceUpdate', parsed.error)
  const event = parsed.data
  const name = stream ?? streamName.markPrice(event.s)
  const symbol = tracked(event.s, ctx)
  if (!symbol) return ignored(name, `untracked symbol ${event.s}`)

  const markPrice = Number(event.p)
  // open interest in USD is priced at the latest mark
  const learnt = { markPrice: { [symbol]: markPrice } }
  if (event.r === '') return { ...ignored(name, 'mark price without a funding rate'), learnt }

  const result = records(name, {
    kind: 'funding_rate',
    record: {
      exchange: 'binance',
      symbol,
      timestamp: event.E,
      received_at: ctx.receivedAt,
      funding_rate: Number(event.r),
      interval_hours: ctx.market.fundingIntervalHours.get(symbol) ?? DEFAULT_FUNDING_INTERVAL_HOURS,
      // 0 means no funding is scheduled (delivery contracts)
      next_funding_time: event.T === 0 ? null : event.T,
      mark_price: markPrice,
    },
  })
  return { ...result, learnt }
}

/** The canonical symbol when the frame's symbol is a perpetual takashi tracks. */
function tracked(native: string, ctx: ParseContext): string | null {
  const symbol = fromNative(native)
  return symbol !== null && ctx.symbols.has(symbol) ? symbol : null
}

function records(stream: string, record: NormalizedRecord): ParseResult & { kind: 'records' } {
  return { kind: 'records', stream, records: [record] }
}

function ignored(stream: string | undefined, reason: string): ParseResult & { kind: 'ignored' } {
  return stream === undefined ? { kind: 'ignored', reason } : { kind: 'ignored', stream, reason }
}

function invalid(event: string, error: Parameters<typeof describeIssue>[0]): ParseResult {
  return { kind: 'invalid', reason: `${event}: ${describeIssue(error)}` }
}
