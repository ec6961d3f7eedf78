import type { FundingRate, Ohlc, OpenInterest } from '@takashi/schemas'
import type { CandleRequest, MarketInfo, ParseContext, PollSpec, RestClient } from '../adapter.ts'
import {
  assetCtxOf,
  candleSnapshotRequest,
  metaAndAssetCtxsRequest,
  metaRequest,
  parseCandleSnapshot,
  parseMeta,
  parseMetaAndAssetCtxs,
  toFundingRate,
  toOpenInterest,
} from './rest.ts'
import type { HyperliquidPerpAssetCtx } from './wire.ts'

// The adapter's REST calls: one info request through the ingestor's client, then a pure parser.

export async function loadMarkets(rest: RestClient): Promise<MarketInfo> {
  return parseMeta(await rest.request(metaRequest()))
}

export async function candles(
  rest: RestClient,
  request: CandleRequest,
  ctx: ParseContext
): Promise<Ohlc[]> {
  const body = await rest.request(candleSnapshotRequest(request, ctx.receivedAt))
  return parseCandleSnapshot(body, request, ctx)
}

/** The symbol's context from metaAndAssetCtxs; remembers its mark price. */
async function assetCtx(
  rest: RestClient,
  symbol: string,
  ctx: ParseContext
): Promise<HyperliquidPerpAssetCtx> {
  const found = assetCtxOf(
    parseMetaAndAssetCtxs(await rest.request(metaAndAssetCtxsRequest())),
    symbol
  )
  ctx.market.markPrice.set(symbol, Number(found.markPx))
  return found
}

export async function openInterest(
  rest: RestClient,
  symbol: string,
  ctx: ParseContext
): Promise<OpenInterest> {
  return toOpenInterest(await assetCtx(rest, symbol, ctx), symbol, ctx)
}

export async function fundingRate(
  rest: RestClient,
  symbol: string,
  ctx: ParseContext
): Promise<FundingRate> {
  return toFundingRate(await assetCtx(rest, symbol, ctx), symbol, ctx)
}

/**
 * No polls: `activeAssetCtx` streams open interest, funding and mark price, and the funding
 * period is always one hour. (There is no open interest history endpoint to poll either.)
 */
export function createPolls(): PollSpec[] {
  return []
}
