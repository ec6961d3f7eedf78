import type {
  FundingRate,
  NormalizedRecord,
  Ohlc,
  OpenInterest,
  SpikeTimeframe,
} from '@takashi/schemas'
import type { CandleRequest, MarketInfo, RestContext, PollSpec, RestClient } from '../adapter.ts'
import { forEachSymbol, fundingIntervalPoll } from '../funding-history.ts'
import { batchFor, createRoundRobin } from '../round-robin.ts'
import { BinanceResponseError } from './errors.ts'
import { toNative } from './symbols.ts'
import {
  allPremiumIndexRequest,
  exchangeInfoRequest,
  fundingHistoryRequest,
  klinesRequest,
  openInterestHistRequest,
  openInterestRequest,
  parseExchangeInfo,
  parseFundingHistory,
  parseKlines,
  parseOpenInterest,
  parseOpenInterestHistory,
  parsePremiumIndex,
  parsePremiumIndexEntries,
  PATHS,
  premiumIndexRequest,
  toFundingRate,
} from './rest.ts'

// The adapter's REST calls: one request (or two) through the ingestor's client, then a pure parser.

export async function loadMarkets(rest: RestClient): Promise<MarketInfo> {
  return parseExchangeInfo(await rest.request(exchangeInfoRequest()))
}

export async function candles(
  rest: RestClient,
  request: CandleRequest,
  ctx: RestContext
): Promise<Ohlc[]> {
  return parseKlines(await rest.request(klinesRequest(request)), request, ctx)
}

/** The symbol's premiumIndex entry as a FundingRate; remembers its mark price. */
export async function fundingRate(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<FundingRate> {
  const entries = parsePremiumIndexEntries(await rest.request(premiumIndexRequest(symbol)))
  const entry = entries.find((candidate) => candidate.symbol === toNative(symbol))
  if (!entry) throw new BinanceResponseError(PATHS.premiumIndex, `no entry for ${symbol}`)
  if (entry.lastFundingRate === '') {
    throw new BinanceResponseError(PATHS.premiumIndex, `${symbol} has no funding rate`)
  }
  const record = toFundingRate(entry, symbol, ctx)
  if (record.mark_price !== null) ctx.learn({ markPrice: { [symbol]: record.mark_price } })
  return record
}

/** Open interest; when no mark price is known yet, premiumIndex is asked first to price it. */
export async function openInterest(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<OpenInterest> {
  if (!ctx.market.markPrice.has(symbol)) await fundingRate(rest, symbol, ctx)
  return parseOpenInterest(await rest.request(openInterestRequest(symbol)), symbol, ctx)
}

/** Open interest at each period close (Binance keeps the last month), oldest first. */
export async function openInterestHistory(
  rest: RestClient,
  request: { symbol: string; timeframe: SpikeTimeframe; limit: number },
  ctx: RestContext
): Promise<OpenInterest[]> {
  const { symbol, timeframe, limit } = request
  const body = await rest.request(openInterestHistRequest({ symbol, period: timeframe, limit }))
  return parseOpenInterestHistory(body, symbol, ctx)
}

/** From this many symbols without a mark price on, one bulk premiumIndex (weight 10) is cheaper. */
const BULK_MARKS_FROM = 10

/** Learns every perpetual's mark price from one bulk premiumIndex. */
export async function learnAllMarks(rest: RestClient, ctx: RestContext): Promise<void> {
  const markPrice: Record<string, number> = {}
  for (const rate of parsePremiumIndex(await rest.request(allPremiumIndexRequest()), ctx)) {
    if (rate.mark_price !== null) markPrice[rate.symbol] = rate.mark_price
  }
  ctx.learn({ markPrice })
}

/** How often the open-interest poll runs. */
export const OPEN_INTEREST_POLL_MS = 10_000
/**
 * Binance has no bulk open interest: one request (weight 1) per symbol. The poll spends at
 * most this much weight a minute (a quarter of the 1200 budget), round-robin, so with N
 * symbols each one is read every `ceil(N / 50) × 10 s` (2 symbols: 10 s; 600: 2 min).
 */
export const OPEN_INTEREST_WEIGHT_PER_MINUTE = 300
/** fundingRate has its own bucket of 500 requests / 5 min per IP; a tenth of it is ours. */
const FUNDING_HISTORY_PER_MINUTE = 10

export function createPolls(symbols: readonly string[]): PollSpec[] {
  const nextOpenInterest = createRoundRobin(
    symbols,
    batchFor(OPEN_INTEREST_WEIGHT_PER_MINUTE, OPEN_INTEREST_POLL_MS)
  )
  return [
    {
      name: 'open_interest',
      everyMs: OPEN_INTEREST_POLL_MS,
      async run(rest, ctx): Promise<NormalizedRecord[]> {
        const batch = nextOpenInterest()
        // before the mark price streams have spoken (at start), price the batch in one request
        const unpriced = batch.filter((symbol) => !ctx.market.markPrice.has(symbol))
        if (unpriced.length >= BULK_MARKS_FROM) await learnAllMarks(rest, ctx)
        const records = await forEachSymbol(batch, (symbol) => openInterest(rest, symbol, ctx))
        return records.map((record) => ({ kind: 'open_interest', record }))
      },
    },
    // Funding periods differ per symbol (8 h, 4 h, 1 h); the last two funding times tell.
    fundingIntervalPoll(
      symbols,
      async (rest, symbol) =>
        parseFundingHistory(await rest.request(fundingHistoryRequest({ symbol, limit: 3 }))),
      FUNDING_HISTORY_PER_MINUTE
    ),
  ]
}
