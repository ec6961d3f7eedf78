import type {
  FundingRate,
  NormalizedRecord,
  Ohlc,
  OpenInterest,
  SpikeTimeframe,
} from '@takashi/schemas'
import type { CandleRequest, MarketInfo, RestContext, PollSpec, RestClient } from '../adapter.ts'
import { OkxResponseError } from './errors.ts'
import { toFundingRate, toOpenInterest } from './parse.ts'
import {
  candlesRequest,
  fundingRateRequest,
  instrumentsRequest,
  markPriceRequest,
  openInterestHistoryRequest,
  openInterestRequest,
  parseCandles,
  parseFundingRateItem,
  parseInstruments,
  parseMarkPrice,
  parseOpenInterestHistory,
  parseOpenInterestItem,
  PATHS,
  REST_WEIGHT_PER_MINUTE,
} from './rest.ts'

// The adapter's REST calls: requests through the ingestor's client, then pure parsers.

/** Live USDT swaps; remembers each one's contract size, which every size conversion needs. */
export async function loadMarkets(rest: RestClient, ctx: RestContext): Promise<MarketInfo> {
  const { sizes, unrepresentable } = parseInstruments(await rest.request(instrumentsRequest()))
  ctx.learn({ contractSize: Object.fromEntries(sizes) })
  return {
    symbols: new Set(sizes.keys()),
    restWeightPerMinute: REST_WEIGHT_PER_MINUTE,
    ...(unrepresentable.length > 0 && { unrepresentable }),
  }
}

export async function candles(
  rest: RestClient,
  request: CandleRequest,
  ctx: RestContext
): Promise<Ohlc[]> {
  const call = candlesRequest(request, ctx.receivedAt)
  return parseCandles(await rest.request(call), request, ctx, call.path)
}

async function markPrice(rest: RestClient, symbol: string, ctx: RestContext): Promise<void> {
  if (ctx.market.markPrice.has(symbol)) return
  const price = parseMarkPrice(await rest.request(markPriceRequest(symbol)), symbol)
  ctx.learn({ markPrice: { [symbol]: price } })
}

export async function openInterest(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<OpenInterest> {
  const item = parseOpenInterestItem(await rest.request(openInterestRequest(symbol)), symbol)
  if (item.oiUsd === undefined) await markPrice(rest, symbol, ctx)
  const record = toOpenInterest(item, symbol, ctx)
  if (!record)
    throw new OkxResponseError(PATHS.openInterest, `no contract size known for ${symbol}`)
  return record
}

export async function fundingRate(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<FundingRate> {
  const item = parseFundingRateItem(await rest.request(fundingRateRequest(symbol)), symbol)
  await markPrice(rest, symbol, ctx)
  const record = toFundingRate(item, symbol, ctx)
  if (!record) throw new OkxResponseError(PATHS.fundingRate, `${symbol} has no funding rate`)
  return record
}

/** Open interest per period (5 min, 15 min, 1 h), oldest first, in base units. */
export async function openInterestHistory(
  rest: RestClient,
  request: { symbol: string; timeframe: SpikeTimeframe; limit: number },
  ctx: RestContext
): Promise<OpenInterest[]> {
  return parseOpenInterestHistory(
    await rest.request(openInterestHistoryRequest(request)),
    request.symbol,
    ctx
  )
}

/** Open interest, funding and mark price stream on the public socket; contract sizes are refreshed. */
export function createPolls(): PollSpec[] {
  return [
    {
      name: 'instruments',
      everyMs: 30 * 60_000,
      async run(rest, ctx): Promise<NormalizedRecord[]> {
        await loadMarkets(rest, ctx)
        return []
      },
    },
  ]
}
