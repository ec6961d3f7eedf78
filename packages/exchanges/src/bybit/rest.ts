import type { z } from 'zod'
import {
  INTERVAL_MS,
  type Interval,
  type OpenInterest,
  type Ohlc,
  type SpikeTimeframe,
} from '@takashi/schemas'
import type { CandleRequest, ParseContext, RestRequest } from '../adapter.ts'
import type { FundingPoint } from '../funding-history.ts'
import { describeIssue } from '../wire-common.ts'
import { BybitResponseError } from './errors.ts'
import { fromNative, intervalToNative, toNative } from './symbols.ts'
import {
  BybitEnvelope,
  BybitFundingHistoryResult,
  BybitInstrumentsResult,
  BybitKlineResult,
  BybitOpenInterestResult,
  BybitTickersResult,
  type BybitTicker,
} from './wire.ts'

// Request builders and pure response parsers; the calls themselves live in calls.ts.

export const PATHS = {
  kline: '/v5/market/kline',
  openInterest: '/v5/market/open-interest',
  tickers: '/v5/market/tickers',
  instruments: '/v5/market/instruments-info',
  fundingHistory: '/v5/market/funding/history',
} as const

/**
 * Bybit allows 600 requests per 5 s per IP (7,200 a minute) and bans the IP for 10 minutes
 * beyond it; a sixth of that leaves ample room for other users of the IP.
 */
export const REST_WEIGHT_PER_MINUTE = 1_200
export const MAX_KLINES = 1_000
const OI_INTERVAL: Record<SpikeTimeframe, string> = { '5m': '5min', '15m': '15min', '1h': '1h' }

function native(symbol: string): string {
  const name = toNative(symbol)
  if (name === null) throw new Error(`${symbol} is not a Bybit USDT perpetual`)
  return name
}

function get(path: string, query: RestRequest['query']): RestRequest {
  return { method: 'GET', path, query: { category: 'linear', ...query }, weight: 1 }
}

/** The `result` of a successful answer; `retCode` ≠ 0 arrives with HTTP 200 and is an error. */
export function resultOf<T extends z.ZodType>(schema: T, body: unknown, path: string): z.output<T> {
  const envelope = BybitEnvelope.safeParse(body)
  if (!envelope.success) throw new BybitResponseError(path, describeIssue(envelope.error))
  const { retCode, retMsg, result } = envelope.data
  if (retCode !== 0) throw new BybitResponseError(path, `retCode ${retCode}: ${retMsg}`)
  const parsed = schema.safeParse(result)
  if (!parsed.success) throw new BybitResponseError(path, describeIssue(parsed.error))
  return parsed.data
}

export function instrumentsRequest(cursor?: string): RestRequest {
  return get(PATHS.instruments, { limit: 1000, ...(cursor ? { cursor } : {}) })
}

/** Trading USDT perpetuals on one page, with their funding periods in hours. */
export function parseInstruments(body: unknown): {
  symbols: Map<string, number | undefined>
  nextCursor: string | undefined
  /** trading USDT perpetuals whose name has no canonical form */
  unrepresentable: string[]
} {
  const result = resultOf(BybitInstrumentsResult, body, PATHS.instruments)
  const symbols = new Map<string, number | undefined>()
  const unrepresentable: string[] = []
  for (const item of result.list) {
    if (item.contractType !== 'LinearPerpetual' || item.status !== 'Trading') continue
    if (item.settleCoin !== 'USDT') continue
    const symbol = fromNative(item.symbol)
    if (symbol === null) {
      unrepresentable.push(item.symbol)
      continue
    }
    // `fundingInterval` is in minutes
    symbols.set(symbol, item.fundingInterval ? item.fundingInterval / 60 : undefined)
  }
  return { symbols, nextCursor: result.nextPageCursor || undefined, unrepresentable }
}

/**
 * Bybit answers the newest `limit` candles up to `end`; with only a start, the window is closed
 * at `limit` candles after it, so a request means what it means on Binance (the oldest first).
 */
export function klineRequest(request: CandleRequest): RestRequest {
  const limit = Math.min(request.limit, MAX_KLINES)
  const end =
    request.end_time ??
    (request.start_time !== undefined
      ? request.start_time + limit * INTERVAL_MS[request.interval] - 1
      : undefined)
  return get(PATHS.kline, {
    symbol: native(request.symbol),
    interval: intervalToNative(request.interval),
    limit,
    ...(request.start_time !== undefined && { start: request.start_time }),
    ...(end !== undefined && { end }),
  })
}

/** Kline rows (newest first on the wire) → candles, oldest first; a candle is final once its end has passed. */
export function parseKlines(
  body: unknown,
  request: { symbol: string; interval: Interval },
  ctx: Pick<ParseContext, 'receivedAt'>
): Ohlc[] {
  const result = resultOf(BybitKlineResult, body, PATHS.kline)
  const length = INTERVAL_MS[request.interval]
  return result.list
    .map(([start, open, high, low, close, volume, turnover]): Ohlc => ({
      exchange: 'bybit',
      symbol: request.symbol,
      timestamp: start,
      received_at: ctx.receivedAt,
      interval: request.interval,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
      quote_volume: Number(turnover),
      trades: null,
      closed: start + length <= ctx.receivedAt,
    }))
    .sort((a, b) => a.timestamp - b.timestamp)
}

export function tickersRequest(symbol: string): RestRequest {
  return get(PATHS.tickers, { symbol: native(symbol) })
}

export function parseTicker(body: unknown, symbol: string): BybitTicker {
  const result = resultOf(BybitTickersResult, body, PATHS.tickers)
  const ticker = result.list.find((item) => item.symbol === native(symbol))
  if (!ticker) throw new BybitResponseError(PATHS.tickers, `no ticker for ${symbol}`)
  return ticker
}

export function openInterestHistoryRequest(request: {
  symbol: string
  timeframe: SpikeTimeframe
  limit: number
}): RestRequest {
  return get(PATHS.openInterest, {
    symbol: native(request.symbol),
    intervalTime: OI_INTERVAL[request.timeframe],
    limit: Math.min(request.limit, 200),
  })
}

/** Open interest per period, oldest first: one side (`singleOpenInterest`) where given. */
export function parseOpenInterestHistory(
  body: unknown,
  symbol: string,
  ctx: Pick<ParseContext, 'receivedAt'>
): OpenInterest[] {
  const result = resultOf(BybitOpenInterestResult, body, PATHS.openInterest)
  return result.list
    .map((item): OpenInterest => ({
      exchange: 'bybit',
      symbol,
      timestamp: item.timestamp,
      received_at: ctx.receivedAt,
      open_interest: Number(item.singleOpenInterest ?? item.openInterest),
      open_interest_usd: null,
    }))
    .sort((a, b) => a.timestamp - b.timestamp)
}

/** The latest `limit` settled fundings (Bybit refuses a start time without an end). */
export function fundingHistoryRequest(request: { symbol: string; limit: number }): RestRequest {
  return get(PATHS.fundingHistory, {
    symbol: native(request.symbol),
    limit: Math.min(request.limit, 200),
  })
}

/** Settled fundings (newest first on the wire), oldest first. */
export function parseFundingHistory(body: unknown): FundingPoint[] {
  return resultOf(BybitFundingHistoryResult, body, PATHS.fundingHistory)
    .list.map((item) => ({ time: item.fundingRateTimestamp, rate: Number(item.fundingRate) }))
    .sort((a, b) => a.time - b.time)
}
