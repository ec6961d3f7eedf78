import type { FundingRate, NormalizedRecord, Ohlc, OpenInterest } from '@takashi/schemas'
import { tradeEventId, type FrameParser, type ParseContext, type ParseResult } from '../adapter.ts'
import type { MarketFacts } from '../market.ts'
import { streamName } from './subscriptions.ts'
import { fromNative, intervalFromNative } from './symbols.ts'
import {
  HyperliquidActiveAssetCtx,
  HyperliquidCandleData,
  HyperliquidEnvelope,
  HyperliquidTrades,
  type HyperliquidCandle,
  type HyperliquidPerpAssetCtx,
} from './wire.ts'
import { describeIssue } from '../wire-common.ts'

/** Hyperliquid funds every hour. */
export const FUNDING_INTERVAL_HOURS = 1
const HOUR_MS = 3_600_000

/** Sent as plain text when a socket opens (the official SDK skips it). */
export const GREETING = 'Websocket connection established.'

/** What a connection remembers of each candle series, by `candle:<coin>:<interval>`. */
type CandleMemories = Map<string, CandleMemory>

type ChannelParser = (data: unknown, ctx: ParseContext, candles: CandleMemories) => ParseResult

const channelParsers: Record<string, ChannelParser> = {
  trades: parseTrades,
  candle: parseCandles,
  activeAssetCtx: parseActiveAssetCtx,
}

/** Channels that carry nothing takashi publishes; named so they are not mistaken for errors. */
const IGNORED_CHANNELS: Record<string, string> = {
  subscriptionResponse: 'subscription ack',
  activeSpotAssetCtx: 'spot asset context',
}

/** A connection's parser: it remembers the connection's open candles, to close them. */
export function createParser(): FrameParser {
  const candles: CandleMemories = new Map()
  return { parse: (frame, ctx) => parseFrame(frame, ctx, candles) }
}

/**
 * One WebSocket text frame → records, given what this connection saw of each candle series.
 * Never throws: bad frames come back as `invalid`.
 */
export function parseFrame(frame: string, ctx: ParseContext, candles: CandleMemories): ParseResult {
  if (frame.trim() === GREETING) return { kind: 'ignored', reason: 'greeting' }
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return { kind: 'invalid', reason: 'not JSON' }
  }
  const envelope = HyperliquidEnvelope.safeParse(json)
  if (!envelope.success) return { kind: 'invalid', reason: 'no channel' }
  const { channel, data } = envelope.data

  if (channel === 'pong') return { kind: 'pong' }
  if (channel === 'error') {
    return { kind: 'venue_error', message: typeof data === 'string' ? data : JSON.stringify(data) }
  }
  const parser = channelParsers[channel]
  if (parser) return parser(data, ctx, candles)
  return { kind: 'ignored', reason: IGNORED_CHANNELS[channel] ?? `unhandled channel ${channel}` }
}

function parseTrades(data: unknown, ctx: ParseContext): ParseResult {
  const parsed = HyperliquidTrades.safeParse(data)
  if (!parsed.success) return invalid('trades', parsed.error)
  const first = parsed.data[0]
  if (first === undefined) return { kind: 'ignored', reason: 'empty trades push' }
  const name = streamName.trades(first.coin)
  const records: NormalizedRecord[] = []
  for (const trade of parsed.data) {
    const symbol = tracked(trade.coin, ctx)
    if (!symbol) continue
    const price = Number(trade.px)
    const quantity = Number(trade.sz)
    const tradeId = String(trade.tid)
    records.push({
      kind: 'trade',
      record: {
        exchange: 'hyperliquid',
        symbol,
        timestamp: trade.time,
        received_at: ctx.receivedAt,
        id: tradeEventId('hyperliquid', symbol, tradeId),
        // `side` is the aggressor's: "B" (bid) = the taker bought, "A" (ask) = the taker sold.
        side: trade.side === 'B' ? 'buy' : 'sell',
        price,
        quantity,
        value_usd: price * quantity,
        trade_id: tradeId,
      },
    })
  }
  if (records.length === 0) return ignored(name, `untracked coin ${first.coin}`)
  return { kind: 'records', stream: name, records }
}

/** What the parser remembers of a candle series, per connection (a reconnect starts afresh). */
interface CandleMemory {
  record: Ohlc
  /** already sent with `closed: true` */
  closed: boolean
}

function parseCandles(data: unknown, ctx: ParseContext, candles: CandleMemories): ParseResult {
  const parsed = HyperliquidCandleData.safeParse(data)
  if (!parsed.success) return invalid('candle', parsed.error)
  const first = parsed.data[0]
  if (first === undefined) return { kind: 'ignored', reason: 'empty candle push' }
  const name = streamName.candle(first.s, first.i)
  const symbol = tracked(first.s, ctx)
  if (!symbol) return ignored(name, `untracked coin ${first.s}`)
  const records: NormalizedRecord[] = []
  for (const candle of parsed.data) {
    const interval = intervalFromNative(candle.i)
    const canonical = tracked(candle.s, ctx)
    if (interval === null || canonical === null) continue
    records.push(...candleRecords(candle, canonical, interval, ctx, candles))
  }
  if (records.length === 0) return ignored(name, `unserved interval ${first.i}`)
  return { kind: 'records', stream: name, records }
}

/**
 * Hyperliquid pushes the open candle on every trade and never a final frame: a candle is closed
 * once its close time `T` has passed, or when the next candle of the series opens (the previous
 * one is then sent again, closed, from what this connection last saw of it).
 */
function candleRecords(
  candle: HyperliquidCandle,
  symbol: string,
  interval: Ohlc['interval'],
  ctx: ParseContext,
  candles: CandleMemories
): NormalizedRecord[] {
  const key = `candle:${candle.s}:${candle.i}`
  const previous = candles.get(key)
  const record: Ohlc = {
    exchange: 'hyperliquid',
    symbol,
    timestamp: candle.t,
    received_at: ctx.receivedAt,
    interval,
    open: Number(candle.o),
    high: Number(candle.h),
    low: Number(candle.l),
    close: Number(candle.c),
    volume: Number(candle.v),
    // Hyperliquid reports no quote volume
    quote_volume: null,
    trades: candle.n,
    closed: candle.T < ctx.receivedAt,
  }
  const out: NormalizedRecord[] = []
  if (previous && previous.record.timestamp < candle.t && !previous.closed) {
    out.push({
      kind: 'ohlc',
      record: { ...previous.record, received_at: ctx.receivedAt, closed: true },
    })
  }
  out.push({ kind: 'ohlc', record })
  // an older candle arriving late must not replace the series' newest
  if (!previous || previous.record.timestamp <= candle.t) {
    candles.set(key, { record, closed: record.closed })
  }
  return out
}

function parseActiveAssetCtx(data: unknown, ctx: ParseContext): ParseResult {
  const parsed = HyperliquidActiveAssetCtx.safeParse(data)
  if (!parsed.success) return invalid('activeAssetCtx', parsed.error)
  const { coin } = parsed.data
  const name = streamName.activeAssetCtx(coin)
  const symbol = tracked(coin, ctx)
  if (!symbol) return ignored(name, `untracked coin ${coin}`)
  // The context carries no time of its own: the receive time stands in as the event time.
  const at = ctx.receivedAt
  return {
    kind: 'records',
    stream: name,
    // the mark price other records are priced at
    learnt: { markPrice: { [symbol]: Number(parsed.data.ctx.markPx) } },
    records: [
      { kind: 'open_interest', record: assetCtxOpenInterest(parsed.data.ctx, symbol, at) },
      {
        kind: 'funding_rate',
        record: assetCtxFundingRate(parsed.data.ctx, symbol, at, ctx.market),
      },
    ],
  }
}

/** The next funding after `time`: the next whole hour for hourly funding (periods start at 00:00 UTC). */
export function nextFundingTime(time: number, hours = FUNDING_INTERVAL_HOURS): number {
  const period = hours * HOUR_MS
  return Math.floor(time / period) * period + period
}

/** Open interest in base units, priced at the context's mark price, timed `at`. */
export function assetCtxOpenInterest(
  assetCtx: HyperliquidPerpAssetCtx,
  symbol: string,
  at: number
): OpenInterest {
  const openInterest = Number(assetCtx.openInterest)
  return {
    exchange: 'hyperliquid',
    symbol,
    timestamp: at,
    received_at: at,
    open_interest: openInterest,
    open_interest_usd: openInterest * Number(assetCtx.markPx),
  }
}

/**
 * The funding rate with the context's mark price, timed `at`, per the symbol's period: hourly
 * unless the funding_interval poll saw other settlement times.
 */
export function assetCtxFundingRate(
  assetCtx: HyperliquidPerpAssetCtx,
  symbol: string,
  at: number,
  market: Pick<MarketFacts, 'fundingIntervalHours'>
): FundingRate {
  const hours = market.fundingIntervalHours.get(symbol) ?? FUNDING_INTERVAL_HOURS
  return {
    exchange: 'hyperliquid',
    symbol,
    timestamp: at,
    received_at: at,
    funding_rate: Number(assetCtx.funding),
    interval_hours: hours,
    next_funding_time: nextFundingTime(at, hours),
    mark_price: Number(assetCtx.markPx),
  }
}

/** The canonical symbol when the coin is a perpetual takashi tracks. */
function tracked(coin: string, ctx: ParseContext): string | null {
  const symbol = fromNative(coin)
  return symbol !== null && ctx.symbols.has(symbol) ? symbol : null
}

function ignored(stream: string, reason: string): ParseResult {
  return { kind: 'ignored', stream, reason }
}

function invalid(channel: string, error: Parameters<typeof describeIssue>[0]): ParseResult {
  return { kind: 'invalid', reason: `${channel}: ${describeIssue(error)}` }
}
