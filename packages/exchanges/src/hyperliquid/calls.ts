import type { FundingRate, Ohlc, OpenInterest } from '@takashi/schemas'
import type { CandleRequest, MarketInfo, RestContext, PollSpec, RestClient } from '../adapter.ts'
import { fundingIntervalPoll, type FundingPoint } from '../funding-history.ts'
import {
  assetCtxOf,
  candleSnapshotRequest,
  fundingHistoryRequest,
  metaAndAssetCtxsRequest,
  metaRequest,
  parseCandleSnapshot,
  parseFundingHistory,
  parseMeta,
  parseAllAssetCtxs,
  parseMetaAndAssetCtxs,
  toFundingRate,
  toOpenInterest,
} from './rest.ts'
import { streamsContexts } from './subscriptions.ts'
import type { HyperliquidPerpAssetCtx } from './wire.ts'

// The adapter's REST calls: one info request through the ingestor's client, then a pure parser.

export async function loadMarkets(rest: RestClient): Promise<MarketInfo> {
  return parseMeta(await rest.request(metaRequest()))
}

export async function candles(
  rest: RestClient,
  request: CandleRequest,
  ctx: RestContext
): Promise<Ohlc[]> {
  const body = await rest.request(candleSnapshotRequest(request, ctx.receivedAt))
  return parseCandleSnapshot(body, request, ctx)
}

/** The symbol's context from metaAndAssetCtxs; remembers its mark price. */
async function assetCtx(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<HyperliquidPerpAssetCtx> {
  const found = assetCtxOf(
    parseMetaAndAssetCtxs(await rest.request(metaAndAssetCtxsRequest())),
    symbol
  )
  ctx.learn({ markPrice: { [symbol]: Number(found.markPx) } })
  return found
}

export async function openInterest(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<OpenInterest> {
  return toOpenInterest(await assetCtx(rest, symbol, ctx), symbol, ctx)
}

export async function fundingRate(
  rest: RestClient,
  symbol: string,
  ctx: RestContext
): Promise<FundingRate> {
  return toFundingRate(await assetCtx(rest, symbol, ctx), symbol, ctx)
}

/**
 * A day of settlements: at least two of them even if Hyperliquid went back to 8-hourly funding,
 * and 24 small rows while it stays hourly.
 */
const FUNDING_HISTORY_WINDOW_MS = 24 * 3_600_000

/** The symbol's settled fundings of the last few hours, oldest first. */
export async function fundingHistory(
  rest: RestClient,
  symbol: string,
  ctx: Pick<RestContext, 'receivedAt'>
): Promise<FundingPoint[]> {
  const startTime = ctx.receivedAt - FUNDING_HISTORY_WINDOW_MS
  return parseFundingHistory(await rest.request(fundingHistoryRequest({ symbol, startTime })))
}

/** fundingHistory weighs about 22: two a minute stay well inside the 600 budget. */
const FUNDING_HISTORY_PER_MINUTE = 2
/** One metaAndAssetCtxs (weight 20) every 10 s: 120 of the 600 a minute, for every coin. */
export const ASSET_CTXS_POLL_MS = 10_000

/**
 * `activeAssetCtx` streams open interest, funding and mark price while every coin's context
 * fits the subscription cap; beyond it one `metaAndAssetCtxs` poll reads them all. The funding
 * period is polled from the settlement times (hourly now; 8-hourly in 2023). Hyperliquid keeps
 * no open interest history to poll.
 */
export function createPolls(symbols: readonly string[]): PollSpec[] {
  const polls = [fundingIntervalPoll(symbols, fundingHistory, FUNDING_HISTORY_PER_MINUTE)]
  if (!streamsContexts(symbols.length)) {
    polls.push({
      name: 'asset_ctxs',
      everyMs: ASSET_CTXS_POLL_MS,
      async run(rest, ctx) {
        const records = parseAllAssetCtxs(await rest.request(metaAndAssetCtxsRequest()), ctx)
        const marks: Record<string, number> = {}
        for (const { kind, record } of records) {
          if (kind === 'funding_rate' && record.mark_price !== null)
            marks[record.symbol] = record.mark_price
        }
        ctx.learn({ markPrice: marks })
        return records
      },
    })
  }
  return polls
}
