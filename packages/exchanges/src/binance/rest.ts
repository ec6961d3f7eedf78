import { z } from 'zod'
import type { FundingRate, Interval, Ohlc, OpenInterest } from '@takashi/schemas'
import type { CandleRequest, MarketInfo, ParseContext, RestRequest } from '../adapter.ts'
import type { FundingPoint } from '../funding-history.ts'
import { BinanceResponseError } from './errors.ts'
import { DEFAULT_FUNDING_INTERVAL_HOURS } from '../funding-history.ts'
import { fromNative, toNative } from './symbols.ts'
import {
  BinanceExchangeInfo,
  BinanceFundingRateItem,
  BinanceKlineRow,
  BinanceOpenInterest,
  BinanceOpenInterestHistItem,
  BinancePremiumIndex,
} from './wire.ts'
import { describeIssue } from '../wire-common.ts'

// Request builders and pure response parsers; the calls themselves live in calls.ts.

export const PATHS = {
  exchangeInfo: '/fapi/v1/exchangeInfo',
  klines: '/fapi/v1/klines',
  openInterest: '/fapi/v1/openInterest',
  premiumIndex: '/fapi/v1/premiumIndex',
  fundingRate: '/fapi/v1/fundingRate',
  openInterestHist: '/futures/data/openInterestHist',
} as const

/** Used when exchangeInfo lists no per-minute REQUEST_WEIGHT limit: half of the usual 2400. */
export const FALLBACK_WEIGHT_PER_MINUTE = 1200

function native(symbol: string): string {
  const value = toNative(symbol)
  if (value === null) throw new Error(`${symbol} is not a Binance USD-M perpetual symbol`)
  return value
}

function validate<T extends z.ZodType>(schema: T, body: unknown, path: string): z.output<T> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw new BinanceResponseError(path, describeIssue(parsed.error))
  return parsed.data
}

export function exchangeInfoRequest(): RestRequest {
  return { method: 'GET', path: PATHS.exchangeInfo, weight: 1 }
}

/**
 * Live USDT/USDC-margined perpetuals, and half the venue's per-minute weight limit as the
 * budget (the other half is headroom for other users of the IP and for bursts).
 */
export function parseExchangeInfo(body: unknown): MarketInfo {
  const info = validate(BinanceExchangeInfo, body, PATHS.exchangeInfo)
  const symbols = new Set<string>()
  const unrepresentable: string[] = []
  for (const entry of info.symbols) {
    if (entry.contractType !== 'PERPETUAL' || entry.status !== 'TRADING') continue
    if (!isStable(entry.quoteAsset) && !isStable(entry.marginAsset)) continue
    const symbol = fromNative(entry.symbol)
    // e.g. `币安人生USDT` (listed 2025): no canonical A-Z0-9 name
    if (symbol === null) unrepresentable.push(entry.symbol)
    else symbols.add(symbol)
  }
  const weight = info.rateLimits.find(
    (limit) => limit.rateLimitType === 'REQUEST_WEIGHT' && limit.interval === 'MINUTE'
  )
  const perMinute = weight ? weight.limit / weight.intervalNum : undefined
  return {
    symbols,
    restWeightPerMinute: perMinute ? Math.floor(perMinute / 2) : FALLBACK_WEIGHT_PER_MINUTE,
    ...(unrepresentable.length > 0 && { unrepresentable }),
  }
}

function isStable(asset: string): boolean {
  return asset === 'USDT' || asset === 'USDC'
}

/** Klines weight by `limit`: [1,100) → 1, [100,500) → 2, [500,1000] → 5, above → 10. */
export function klinesWeight(limit: number): number {
  if (limit < 100) return 1
  if (limit < 500) return 2
  if (limit <= 1000) return 5
  return 10
}

export function klinesRequest(request: CandleRequest): RestRequest {
  return {
    method: 'GET',
    path: PATHS.klines,
    query: {
      symbol: native(request.symbol),
      // Binance's interval names are the canonical ones
      interval: request.interval,
      limit: request.limit,
      ...(request.start_time !== undefined && { startTime: request.start_time }),
      ...(request.end_time !== undefined && { endTime: request.end_time }),
    },
    weight: klinesWeight(request.limit),
  }
}

/** Kline rows → candles, oldest first; a row whose close time has passed is final. */
export function parseKlines(
  body: unknown,
  request: { symbol: string; interval: Interval },
  ctx: Pick<ParseContext, 'receivedAt'>
): Ohlc[] {
  const rows = validate(z.array(BinanceKlineRow), body, PATHS.klines)
  return rows
    .map((row): Ohlc => ({
      exchange: 'binance',
      symbol: request.symbol,
      timestamp: row[0],
      received_at: ctx.receivedAt,
      interval: request.interval,
      open: Number(row[1]),
      high: Number(row[2]),
      low: Number(row[3]),
      close: Number(row[4]),
      volume: Number(row[5]),
      quote_volume: Number(row[7]),
      trades: row[8],
      closed: row[6] < ctx.receivedAt,
    }))
    .sort((a, b) => a.timestamp - b.timestamp)
}

export function openInterestRequest(symbol: string): RestRequest {
  return { method: 'GET', path: PATHS.openInterest, query: { symbol: native(symbol) }, weight: 1 }
}

/** Open interest in base units, priced at the latest known mark (null while none is known). */
export function parseOpenInterest(body: unknown, symbol: string, ctx: ParseContext): OpenInterest {
  const data = validate(BinanceOpenInterest, body, PATHS.openInterest)
  if (data.symbol !== native(symbol)) {
    throw new BinanceResponseError(PATHS.openInterest, `asked for ${symbol}, got ${data.symbol}`)
  }
  const openInterest = Number(data.openInterest)
  const mark = ctx.market.markPrice.get(symbol)
  return {
    exchange: 'binance',
    symbol,
    timestamp: data.time,
    received_at: ctx.receivedAt,
    open_interest: openInterest,
    open_interest_usd: mark === undefined ? null : openInterest * mark,
  }
}

export function premiumIndexRequest(symbol: string): RestRequest {
  return { method: 'GET', path: PATHS.premiumIndex, query: { symbol: native(symbol) }, weight: 1 }
}

/** Every symbol's premiumIndex (mark price, funding) in one request of weight 10. */
export function allPremiumIndexRequest(): RestRequest {
  return { method: 'GET', path: PATHS.premiumIndex, weight: 10 }
}

/** premiumIndex entries: one object with `symbol`, an array without. */
export function parsePremiumIndexEntries(body: unknown): BinancePremiumIndex[] {
  const schema = z.union([
    BinancePremiumIndex.transform((entry) => [entry]),
    z.array(BinancePremiumIndex),
  ])
  return validate(schema, body, PATHS.premiumIndex)
}

/** One premiumIndex entry as a FundingRate under the given canonical symbol. */
export function toFundingRate(
  entry: BinancePremiumIndex,
  symbol: string,
  ctx: ParseContext
): FundingRate {
  return {
    exchange: 'binance',
    symbol,
    timestamp: entry.time,
    received_at: ctx.receivedAt,
    funding_rate: Number(entry.lastFundingRate),
    interval_hours: ctx.market.fundingIntervalHours.get(symbol) ?? DEFAULT_FUNDING_INTERVAL_HOURS,
    // 0 for delivery contracts, which have no funding
    next_funding_time: entry.nextFundingTime === 0 ? null : entry.nextFundingTime,
    mark_price: Number(entry.markPrice),
  }
}

/** Funding rates of the perpetuals in a premiumIndex body; delivery contracts are left out. */
export function parsePremiumIndex(body: unknown, ctx: ParseContext): FundingRate[] {
  const rates: FundingRate[] = []
  for (const entry of parsePremiumIndexEntries(body)) {
    const symbol = fromNative(entry.symbol)
    if (symbol === null || entry.lastFundingRate === '') continue
    rates.push(toFundingRate(entry, symbol, ctx))
  }
  return rates
}

export function fundingHistoryRequest(request: {
  symbol: string
  limit: number
  startTime?: number
  endTime?: number
}): RestRequest {
  const { symbol, ...rest } = request
  // Own bucket (500 requests / 5 min shared with fundingInfo); weight 1 keeps it in our budget.
  return {
    method: 'GET',
    path: PATHS.fundingRate,
    query: { symbol: native(symbol), ...rest },
    weight: 1,
  }
}

/** Funding history, oldest first. */
export function parseFundingHistory(body: unknown): FundingPoint[] {
  return validate(z.array(BinanceFundingRateItem), body, PATHS.fundingRate)
    .map((item) => ({ time: item.fundingTime, rate: Number(item.fundingRate) }))
    .sort((a, b) => a.time - b.time)
}

export const OPEN_INTEREST_PERIODS = [
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '12h',
  '1d',
] as const
export type OpenInterestPeriod = (typeof OPEN_INTEREST_PERIODS)[number]

export function openInterestHistRequest(request: {
  symbol: string
  period: OpenInterestPeriod
  limit: number
  startTime?: number
  endTime?: number
}): RestRequest {
  const { symbol, ...rest } = request
  // Weight 0 at Binance (own limit: 1000 requests / 5 min); counting 1 keeps bursts bounded.
  return {
    method: 'GET',
    path: PATHS.openInterestHist,
    query: { symbol: native(symbol), ...rest },
    weight: 1,
  }
}

/** Open interest history, oldest first; Binance gives the USD value itself. */
export function parseOpenInterestHistory(
  body: unknown,
  symbol: string,
  ctx: Pick<ParseContext, 'receivedAt'>
): OpenInterest[] {
  return validate(z.array(BinanceOpenInterestHistItem), body, PATHS.openInterestHist)
    .map((item): OpenInterest => ({
      exchange: 'binance',
      symbol,
      timestamp: item.timestamp,
      received_at: ctx.receivedAt,
      open_interest: Number(item.sumOpenInterest),
      open_interest_usd: Number(item.sumOpenInterestValue),
    }))
    .sort((a, b) => a.timestamp - b.timestamp)
}
