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
import { streamOf, type OkxArg } from './subscriptions.ts'
import { fromNative, intervalFromBar } from './symbols.ts'
import {
  OkxCandleRow,
  OkxEvent,
  OkxFundingRate,
  OkxLiquidation,
  OkxMarkPrice,
  OkxOpenInterest,
  OkxPush,
  OkxTrade,
} from './wire.ts'

const HOUR_MS = 3_600_000

type ChannelParser = (arg: OkxArg, data: unknown[], ctx: ParseContext) => ParseResult

const channelParsers: Record<string, ChannelParser> = {
  trades: parseTrades,
  'open-interest': parseOpenInterest,
  'funding-rate': parseFundingRate,
  'mark-price': parseMarkPrice,
  'liquidation-orders': parseLiquidations,
}

/** A connection's parser; OKX frames need no memory of earlier ones. */
export function createParser(): FrameParser {
  return { parse: parseFrame }
}

/** One WebSocket text frame → records. Never throws: bad frames come back as `invalid`. */
export function parseFrame(frame: string, ctx: ParseContext): ParseResult {
  if (frame === 'pong') return { kind: 'pong' }
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return { kind: 'invalid', reason: 'not JSON' }
  }
  const event = OkxEvent.safeParse(json)
  if (event.success) {
    const { event: name, code, msg } = event.data
    if (name === 'error')
      return { kind: 'venue_error', message: `${code ?? ''} ${msg ?? ''}`.trim() }
    // `notice` warns of a restart; the connection loop reconnects when the socket closes
    return {
      kind: 'ignored',
      reason: name === 'notice' ? `notice ${code ?? ''}: ${msg ?? ''}` : `${name} ack`,
    }
  }
  const push = OkxPush.safeParse(json)
  if (!push.success) return { kind: 'invalid', reason: 'neither a push nor an event' }
  const { arg, data } = push.data
  if (arg.channel.startsWith('candle')) return parseCandles(arg, data, ctx)
  const parser = channelParsers[arg.channel]
  if (!parser)
    return { kind: 'ignored', stream: streamOf(arg), reason: `unhandled channel ${arg.channel}` }
  return parser(arg, data, ctx)
}

/** Base units per contract (ctVal × ctMult) for a tracked symbol, from the instruments. */
function contractSize(symbol: string, ctx: ParseContext): number | undefined {
  return ctx.market.contractSize.get(symbol)
}

function parseTrades(arg: OkxArg, data: unknown[], ctx: ParseContext): ParseResult {
  const stream = streamOf(arg)
  const records: NormalizedRecord[] = []
  for (const item of data) {
    const parsed = OkxTrade.safeParse(item)
    if (!parsed.success) return invalid(stream, parsed.error)
    const trade = parsed.data
    const symbol = tracked(trade.instId, ctx)
    if (!symbol) continue
    const size = contractSize(symbol, ctx)
    // never guessed: a wrong contract size would misstate every quantity by orders of magnitude
    if (size === undefined) return ignored(stream, `no contract size known for ${trade.instId}`)
    const price = Number(trade.px)
    const quantity = Number(trade.sz) * size
    records.push({
      kind: 'trade',
      record: {
        exchange: 'okx',
        symbol,
        timestamp: trade.ts,
        received_at: ctx.receivedAt,
        id: tradeEventId('okx', symbol, trade.tradeId),
        side: trade.side,
        price,
        quantity,
        value_usd: price * quantity,
        trade_id: trade.tradeId,
      },
    })
  }
  return found(stream, records)
}

function parseCandles(arg: OkxArg, data: unknown[], ctx: ParseContext): ParseResult {
  const stream = streamOf(arg)
  const interval = intervalFromBar(arg.channel.slice('candle'.length))
  const symbol = tracked(arg.instId ?? '', ctx)
  if (interval === null || symbol === null) return ignored(stream, 'untracked symbol or bar')
  const records: NormalizedRecord[] = []
  for (const item of data) {
    const parsed = OkxCandleRow.safeParse(item)
    if (!parsed.success) return invalid(stream, parsed.error)
    const [ts, open, high, low, close, , volCcy, volCcyQuote, confirm] = parsed.data
    records.push({
      kind: 'ohlc',
      record: {
        exchange: 'okx',
        symbol,
        timestamp: ts,
        received_at: ctx.receivedAt,
        interval,
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        // `vol` counts contracts; `volCcy` is the base currency
        volume: Number(volCcy),
        quote_volume: Number(volCcyQuote),
        trades: null,
        closed: confirm === '1',
      },
    })
  }
  return found(stream, records)
}

/** Open interest in base units (`oiCcy`, else contracts × size), in USD where OKX or the mark tells. */
export function toOpenInterest(
  item: { oi: string; oiCcy?: string | undefined; oiUsd?: string | undefined; ts: number },
  symbol: string,
  ctx: ParseContext
): OpenInterest | null {
  const size = contractSize(symbol, ctx)
  const base =
    item.oiCcy !== undefined
      ? Number(item.oiCcy)
      : size !== undefined
        ? Number(item.oi) * size
        : undefined
  if (base === undefined) return null
  const mark = ctx.market.markPrice.get(symbol)
  return {
    exchange: 'okx',
    symbol,
    timestamp: item.ts,
    received_at: ctx.receivedAt,
    open_interest: base,
    open_interest_usd:
      item.oiUsd !== undefined ? Number(item.oiUsd) : mark !== undefined ? base * mark : null,
  }
}

function parseOpenInterest(arg: OkxArg, data: unknown[], ctx: ParseContext): ParseResult {
  const stream = streamOf(arg)
  const records: NormalizedRecord[] = []
  for (const item of data) {
    const parsed = OkxOpenInterest.safeParse(item)
    if (!parsed.success) return invalid(stream, parsed.error)
    const symbol = tracked(parsed.data.instId, ctx)
    const record = symbol && toOpenInterest(parsed.data, symbol, ctx)
    if (record) records.push({ kind: 'open_interest', record })
  }
  return found(stream, records)
}

/**
 * The rate settles at `fundingTime`; the period is the gap to `nextFundingTime` (OKX moves
 * symbols between 8, 4, 2 and 1 hours), else 8 hours.
 */
export function toFundingRate(
  item: {
    fundingRate?: string | undefined
    fundingTime: number
    nextFundingTime?: number | '' | undefined
    ts?: number | undefined
  },
  symbol: string,
  ctx: ParseContext
): FundingRate | null {
  if (item.fundingRate === undefined || item.fundingRate === '') return null
  const next = typeof item.nextFundingTime === 'number' ? item.nextFundingTime : undefined
  const hours =
    next !== undefined && next > item.fundingTime
      ? (next - item.fundingTime) / HOUR_MS
      : DEFAULT_FUNDING_INTERVAL_HOURS
  return {
    exchange: 'okx',
    symbol,
    timestamp: item.ts ?? ctx.receivedAt,
    received_at: ctx.receivedAt,
    funding_rate: Number(item.fundingRate),
    interval_hours: hours,
    next_funding_time: item.fundingTime,
    mark_price: ctx.market.markPrice.get(symbol) ?? null,
  }
}

function parseFundingRate(arg: OkxArg, data: unknown[], ctx: ParseContext): ParseResult {
  const stream = streamOf(arg)
  const records: NormalizedRecord[] = []
  for (const item of data) {
    const parsed = OkxFundingRate.safeParse(item)
    if (!parsed.success) return invalid(stream, parsed.error)
    const symbol = tracked(parsed.data.instId, ctx)
    const record = symbol && toFundingRate(parsed.data, symbol, ctx)
    if (record) records.push({ kind: 'funding_rate', record })
  }
  return found(stream, records)
}

/** Mark prices yield no records: they are learnt, to price open interest and funding. */
function parseMarkPrice(arg: OkxArg, data: unknown[], ctx: ParseContext): ParseResult {
  const stream = streamOf(arg)
  const markPrice: Record<string, number> = {}
  for (const item of data) {
    const parsed = OkxMarkPrice.safeParse(item)
    if (!parsed.success) return invalid(stream, parsed.error)
    const symbol = tracked(parsed.data.instId, ctx)
    if (symbol) markPrice[symbol] = Number(parsed.data.markPx)
  }
  const result = ignored(stream, 'mark price kept for pricing')
  return Object.keys(markPrice).length > 0 ? { ...result, learnt: { markPrice } } : result
}

function parseLiquidations(arg: OkxArg, data: unknown[], ctx: ParseContext): ParseResult {
  const stream = streamOf(arg)
  const records: NormalizedRecord[] = []
  for (const item of data) {
    const parsed = OkxLiquidation.safeParse(item)
    if (!parsed.success) return invalid(stream, parsed.error)
    const symbol = tracked(parsed.data.instId, ctx)
    const size = symbol ? contractSize(symbol, ctx) : undefined
    if (!symbol || size === undefined) continue
    for (const detail of parsed.data.details) {
      const price = Number(detail.bkPx)
      const quantity = Number(detail.sz) * size
      // `side` is the liquidation ORDER's: a sell closes a long, a buy closes a short
      // (shared exchange-formats §3.5 and §5.1; the real frame pairs posSide short with buy)
      const side = detail.side === 'sell' ? 'long' : 'short'
      records.push({
        kind: 'liquidation',
        record: {
          exchange: 'okx',
          symbol,
          timestamp: detail.ts,
          received_at: ctx.receivedAt,
          id: liquidationEventId('okx', symbol, { timestamp: detail.ts, side, price, quantity }),
          side,
          price,
          quantity,
          // at the bankruptcy price, the only price OKX gives
          value_usd: price * quantity,
        },
      })
    }
  }
  return found(stream, records)
}

/** The canonical symbol when the instrument is a USDT swap takashi tracks. */
function tracked(instId: string, ctx: ParseContext): string | null {
  const symbol = fromNative(instId)
  return symbol !== null && ctx.symbols.has(symbol) ? symbol : null
}

function found(stream: string, records: NormalizedRecord[]): ParseResult {
  if (records.length === 0) return ignored(stream, 'nothing for a tracked symbol')
  return { kind: 'records', stream, records }
}

function ignored(stream: string, reason: string): ParseResult & { kind: 'ignored' } {
  return { kind: 'ignored', stream, reason }
}

function invalid(stream: string, error: Parameters<typeof describeIssue>[0]): ParseResult {
  return { kind: 'invalid', reason: `${stream}: ${describeIssue(error)}` }
}
