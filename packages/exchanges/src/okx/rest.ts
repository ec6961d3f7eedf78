import { z } from 'zod'
import {
  INTERVAL_MS,
  type Interval,
  type Ohlc,
  type OpenInterest,
  type SpikeTimeframe,
} from '@takashi/schemas'
import type { CandleRequest, ParseContext, RestRequest } from '../adapter.ts'
import { describeIssue } from '../wire-common.ts'
import { OkxResponseError } from './errors.ts'
import { barOf, fromNative, toNative } from './symbols.ts'
import {
  OkxCandleRow,
  OkxEnvelope,
  OkxFundingRate,
  OkxInstrument,
  OkxMarkPrice,
  OkxOpenInterest,
  OkxOpenInterestHistoryRow,
} from './wire.ts'

// Request builders and pure response parsers; the calls themselves live in calls.ts.

export const PATHS = {
  instruments: '/api/v5/public/instruments',
  candles: '/api/v5/market/candles',
  historyCandles: '/api/v5/market/history-candles',
  openInterest: '/api/v5/public/open-interest',
  fundingRate: '/api/v5/public/funding-rate',
  markPrice: '/api/v5/public/mark-price',
  openInterestHistory: '/api/v5/rubik/stat/contracts/open-interest-history',
} as const

/**
 * OKX limits each endpoint separately (10 to 40 requests per 2 s per IP); one request a
 * second on average stays inside the tightest of them.
 */
export const REST_WEIGHT_PER_MINUTE = 300
/** `candles` reaches only the newest 1,440 rows (300 a page); older ones need `history-candles` (100 a page). */
const RECENT_ROWS = 1_440
const CANDLES_PAGE = 300
const HISTORY_PAGE = 100
const OI_PERIOD: Record<SpikeTimeframe, string> = { '5m': '5m', '15m': '15m', '1h': '1H' }

function instId(symbol: string): string {
  const native = toNative(symbol)
  if (native === null) throw new Error(`${symbol} is not an OKX USDT swap`)
  return native
}

function get(path: string, query: RestRequest['query']): RestRequest {
  return { method: 'GET', path, query, weight: 1 }
}

/** The `data` of a successful answer; `code` ≠ "0" is an error (often with HTTP 200). */
export function dataOf<T extends z.ZodType>(schema: T, body: unknown, path: string): z.output<T>[] {
  const envelope = OkxEnvelope.safeParse(body)
  if (!envelope.success) throw new OkxResponseError(path, describeIssue(envelope.error))
  const { code, msg, data } = envelope.data
  if (code !== '0') throw new OkxResponseError(path, `code ${code}: ${msg}`)
  const parsed = z.array(schema).safeParse(data)
  if (!parsed.success) throw new OkxResponseError(path, describeIssue(parsed.error))
  return parsed.data
}

export function instrumentsRequest(): RestRequest {
  return get(PATHS.instruments, { instType: 'SWAP' })
}

/**
 * Live linear USDT swaps and their contract sizes in base units (ctVal × ctMult); live swaps
 * whose instId has no canonical form are listed apart.
 */
export function parseInstruments(body: unknown): {
  sizes: Map<string, number>
  unrepresentable: string[]
} {
  const sizes = new Map<string, number>()
  const unrepresentable: string[] = []
  for (const item of dataOf(OkxInstrument, body, PATHS.instruments)) {
    if (item.instType !== 'SWAP' || item.ctType !== 'linear' || item.settleCcy !== 'USDT') continue
    if (item.state !== 'live') continue
    const symbol = fromNative(item.instId)
    if (symbol === null) unrepresentable.push(item.instId)
    else sizes.set(symbol, Number(item.ctVal) * Number(item.ctMult))
  }
  return { sizes, unrepresentable }
}

/**
 * OKX pages newest first below `after` and above `before`; a request for the `limit` candles
 * from a start is the window (start − 1, start + limit × interval). Windows older than the
 * newest 1,440 candles go to history-candles.
 */
export function candlesRequest(request: CandleRequest, now: number): RestRequest {
  const length = INTERVAL_MS[request.interval]
  const recent = now - RECENT_ROWS * length
  const end =
    request.end_time !== undefined
      ? request.end_time + 1
      : request.start_time !== undefined
        ? request.start_time + request.limit * length
        : undefined
  const history = end !== undefined && end < recent
  return get(history ? PATHS.historyCandles : PATHS.candles, {
    instId: instId(request.symbol),
    bar: barOf(request.interval),
    limit: Math.min(request.limit, history ? HISTORY_PAGE : CANDLES_PAGE),
    ...(end !== undefined && { after: end }),
    ...(request.start_time !== undefined && { before: request.start_time - 1 }),
  })
}

/** Candle rows (newest first on the wire) → candles, oldest first; `confirm` "1" is final. */
export function parseCandles(
  body: unknown,
  request: { symbol: string; interval: Interval },
  ctx: Pick<ParseContext, 'receivedAt'>,
  path: string = PATHS.candles
): Ohlc[] {
  return dataOf(OkxCandleRow, body, path)
    .map(([ts, open, high, low, close, , volCcy, volCcyQuote, confirm]): Ohlc => ({
      exchange: 'okx',
      symbol: request.symbol,
      timestamp: ts,
      received_at: ctx.receivedAt,
      interval: request.interval,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volCcy),
      quote_volume: Number(volCcyQuote),
      trades: null,
      closed: confirm === '1',
    }))
    .sort((a, b) => a.timestamp - b.timestamp)
}

export function openInterestRequest(symbol: string): RestRequest {
  return get(PATHS.openInterest, { instType: 'SWAP', instId: instId(symbol) })
}

export function parseOpenInterestItem(body: unknown, symbol: string) {
  const item = dataOf(OkxOpenInterest, body, PATHS.openInterest).find(
    (i) => i.instId === instId(symbol)
  )
  if (!item) throw new OkxResponseError(PATHS.openInterest, `no open interest for ${symbol}`)
  return item
}

export function fundingRateRequest(symbol: string): RestRequest {
  return get(PATHS.fundingRate, { instId: instId(symbol) })
}

export function parseFundingRateItem(body: unknown, symbol: string) {
  const item = dataOf(OkxFundingRate, body, PATHS.fundingRate).find(
    (i) => i.instId === instId(symbol)
  )
  if (!item) throw new OkxResponseError(PATHS.fundingRate, `no funding rate for ${symbol}`)
  return item
}

export function markPriceRequest(symbol: string): RestRequest {
  return get(PATHS.markPrice, { instType: 'SWAP', instId: instId(symbol) })
}

export function parseMarkPrice(body: unknown, symbol: string): number {
  const item = dataOf(OkxMarkPrice, body, PATHS.markPrice).find((i) => i.instId === instId(symbol))
  if (!item) throw new OkxResponseError(PATHS.markPrice, `no mark price for ${symbol}`)
  return Number(item.markPx)
}

export function openInterestHistoryRequest(request: {
  symbol: string
  timeframe: SpikeTimeframe
  limit: number
}): RestRequest {
  return get(PATHS.openInterestHistory, {
    instId: instId(request.symbol),
    period: OI_PERIOD[request.timeframe],
    limit: Math.min(request.limit, 100),
  })
}

/** Rows `[ts, oi (contracts), oiCcy (base), oiUsd]`, newest first → oldest first in base units. */
export function parseOpenInterestHistory(
  body: unknown,
  symbol: string,
  ctx: Pick<ParseContext, 'receivedAt'>
): OpenInterest[] {
  return dataOf(OkxOpenInterestHistoryRow, body, PATHS.openInterestHistory)
    .map(([ts, , oiCcy, oiUsd]): OpenInterest => ({
      exchange: 'okx',
      symbol,
      timestamp: ts,
      received_at: ctx.receivedAt,
      open_interest: Number(oiCcy),
      open_interest_usd: Number(oiUsd),
    }))
    .sort((a, b) => a.timestamp - b.timestamp)
}
