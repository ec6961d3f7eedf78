import type {
  FundingRate,
  NormalizedRecord,
  Ohlc,
  OpenInterest,
  SpikeTimeframe,
} from '@takashi/schemas'
import type { CandleRequest, MarketInfo, RestContext, PollSpec, RestClient } from '../adapter.ts'
import {
  FUNDING_INTERVAL_POLL_MS,
  forEachSymbol,
  learnFundingInterval,
  type FundingPoint,
} from '../funding-history.ts'
import { BybitResponseError } from './errors.ts'
import { tickerFundingRate, tickerOpenInterest } from './parse.ts'
import {
  fundingHistoryRequest,
  instrumentsRequest,
  klineRequest,
  openInterestHistoryRequest,
  parseFundingHistory,
  parseInstruments,
  parseKlines,
  parseOpenInterestHistory,
  parseTicker,
  PATHS,
  REST_WEIGHT_PER_MINUTE,
  tickersRequest,
} from './rest.ts'

// The adapter's REST calls: requests through the ingestor's client, then pure parsers.

/** More than 500 linear instruments exist: at most this many pages of 1,000 are read. */
const MAX_INSTRUMENT_PAGES = 10

/** Every trading USDT perpetual, with its funding period in hours where the instrument gives one. */
async function readInstruments(
  rest: RestClient
): Promise<{ symbols: Map<string, number | undefined>; unrepresentable: string[] }> {
  const symbols = new Map<string, number | undefined>()
  const unrepresentable: string[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_INSTRUMENT_PAGES; page++) {
    const parsed = parseInstruments(await rest.request(instrumentsRequest(cursor)))
    for (const [symbol, hours] of parsed.symbols) symbols.set(symbol, hours)
    unrepresentable.push(...parsed.unrepresentable)
    cursor = parsed.nextCursor
    if (cursor === undefined) break
  }
  return { symbols, unrepresentable }
}

/** Learns the funding periods the instruments give; returns the symbols that have one. */
function rememberPeriods(
  instruments: Map<string, number | undefined>,
  ctx: RestContext
): Set<string> {
  const fundingIntervalHours: Record<string, number> = {}
  for (const [symbol, hours] of instruments) {
    if (hours !== undefined && hours > 0) fundingIntervalHours[symbol] = hours
  }
  ctx.learn({ fundingIntervalHours })
  return new Set(Object.keys(fundingIntervalHours))
}

/** Every trading USDT perpetual; remembers each one's funding period. */
export async function loadMarkets(rest: RestClient, ctx: RestContext): Promise<MarketInfo> {
  const { symbols, unrepresentable } = await readInstruments(rest)
  rememberPeriods(symbols, ctx)
  return {
    symbols: new Set(symbols.keys()),
    restWeightPerMinute: REST_WEIGHT_PER_MINUTE,
    ...(unrepresentable.length > 0 && { unrepresentable }),
  }
}

/** The latest settled fundings of a symbol, oldest first. */
export async function fundingHistory(
  rest: RestClient,
  symbol: string,
  limit = 3
): Promise<FundingPoint[]> {
  return parseFundingHistory(await rest.request(fundingHistoryRequest({ symbol, limit })))
}

export async function candles(
  rest: RestClient,
  request: CandleRequest,
  ctx: RestContext
): Promise<Ohlc[]> {
  return parseKlines(await rest.request(klineRequest(request)), request, ctx)
}

async function ticker(rest: RestClient, symbol: string, ctx: RestContext) {
  const found = parseTicker(await rest.request(tickersRequest(symbol)), symbol)
  ctx.learn({ markPrice: { [symbol]: Number(found.markPrice) } })
  return found
}

export async function openInterest(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<OpenInterest> {
  const record = tickerOpenInterest(await ticker(rest, symbol, ctx), symbol, ctx.receivedAt, ctx)
  if (!record) throw new BybitResponseError(PATHS.tickers, `no open interest for ${symbol}`)
  return record
}

export async function fundingRate(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<FundingRate> {
  const record = tickerFundingRate(await ticker(rest, symbol, ctx), symbol, ctx.receivedAt, ctx)
  if (!record) throw new BybitResponseError(PATHS.tickers, `no funding rate for ${symbol}`)
  return record
}

/** Open interest per period (5 min, 15 min, 1 h), oldest first. */
export async function openInterestHistory(
  rest: RestClient,
  request: { symbol: string; timeframe: SpikeTimeframe; limit: number },
  ctx: RestContext
): Promise<OpenInterest[]> {
  const body = await rest.request(openInterestHistoryRequest(request))
  return parseOpenInterestHistory(body, request.symbol, ctx)
}

/**
 * Tickers stream open interest, funding and mark price; only the funding periods, which Bybit
 * changes per symbol now and then, are refreshed from the instruments. A tracked symbol whose
 * instrument gives no period has it read from its last funding times instead.
 */
export function createPolls(symbols: readonly string[]): PollSpec[] {
  return [
    {
      name: 'funding_interval',
      everyMs: FUNDING_INTERVAL_POLL_MS,
      async run(rest, ctx): Promise<NormalizedRecord[]> {
        const known = rememberPeriods((await readInstruments(rest)).symbols, ctx)
        const withoutPeriod = symbols.filter((symbol) => !known.has(symbol))
        await forEachSymbol(withoutPeriod, (symbol) =>
          learnFundingInterval(symbol, fundingHistory(rest, symbol), ctx)
        )
        return []
      },
    },
  ]
}
