import { z } from 'zod'
import {
  INTERVAL_MS,
  type FundingRate,
  type NormalizedRecord,
  type Ohlc,
  type OpenInterest,
} from '@takashi/schemas'
import type { CandleRequest, MarketInfo, ParseContext, RestRequest } from '../adapter.ts'
import type { FundingPoint } from '../funding-history.ts'
import { HyperliquidResponseError } from './errors.ts'
import { assetCtxFundingRate, assetCtxOpenInterest } from './parse.ts'
import { fromNative, toNative } from './symbols.ts'
import {
  HyperliquidCandle,
  HyperliquidFundingHistoryItem,
  HyperliquidMeta,
  HyperliquidMetaAndAssetCtxs,
  type HyperliquidPerpAssetCtx,
} from './wire.ts'
import { describeIssue } from '../wire-common.ts'

// Request builders and pure response parsers; the calls themselves live in calls.ts.
// Every public request is `POST /info` with a JSON body naming its `type`.

export const INFO_PATH = '/info'

/** Info weights (1200 per minute per IP): 2 for l2Book and allMids, 20 for the rest. */
export const INFO_WEIGHT = {
  meta: 20,
  metaAndAssetCtxs: 20,
  candleSnapshot: 20,
  fundingHistory: 20,
  allMids: 2,
  l2Book: 2,
} as const

/** Half of Hyperliquid's 1200 per minute per IP: headroom for other users of the IP. */
export const REST_WEIGHT_PER_MINUTE = 600

/** candleSnapshot costs one more per 60 candles returned. */
export function candleSnapshotWeight(limit: number): number {
  return INFO_WEIGHT.candleSnapshot + Math.ceil(limit / 60)
}

function coinOf(symbol: string): string {
  const coin = toNative(symbol)
  if (coin === null) throw new Error(`${symbol} is not a Hyperliquid perpetual symbol`)
  return coin
}

function validate<T extends z.ZodType>(schema: T, body: unknown, type: string): z.output<T> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw new HyperliquidResponseError(type, describeIssue(parsed.error))
  return parsed.data
}

function info(type: keyof typeof INFO_WEIGHT, fields: Record<string, unknown> = {}): RestRequest {
  return { method: 'POST', path: INFO_PATH, body: { type, ...fields }, weight: INFO_WEIGHT[type] }
}

export function metaRequest(): RestRequest {
  return info('meta')
}

/** Listed perpetuals (delisted ones left out) and half the venue's weight limit as the budget. */
export function parseMeta(body: unknown): MarketInfo {
  const meta = validate(HyperliquidMeta, body, 'meta')
  const symbols = new Set<string>()
  const unrepresentable: string[] = []
  for (const asset of meta.universe) {
    if (asset.isDelisted === true) continue
    const symbol = fromNative(asset.name)
    if (symbol === null) unrepresentable.push(asset.name)
    else symbols.add(symbol)
  }
  return {
    symbols,
    restWeightPerMinute: REST_WEIGHT_PER_MINUTE,
    ...(unrepresentable.length > 0 && { unrepresentable }),
  }
}

export function metaAndAssetCtxsRequest(): RestRequest {
  return info('metaAndAssetCtxs')
}

/** Contexts by coin: ctx i belongs to `universe[i]`. */
export function parseMetaAndAssetCtxs(body: unknown): Map<string, HyperliquidPerpAssetCtx> {
  const [meta, ctxs] = validate(HyperliquidMetaAndAssetCtxs, body, 'metaAndAssetCtxs')
  if (ctxs.length !== meta.universe.length) {
    throw new HyperliquidResponseError(
      'metaAndAssetCtxs',
      `${meta.universe.length} assets but ${ctxs.length} contexts`
    )
  }
  return new Map(meta.universe.map((asset, index) => [asset.name, ctxs[index]!]))
}

/** The symbol's context; throws when Hyperliquid does not list it. */
export function assetCtxOf(
  ctxs: ReadonlyMap<string, HyperliquidPerpAssetCtx>,
  symbol: string
): HyperliquidPerpAssetCtx {
  const ctx = ctxs.get(coinOf(symbol))
  if (!ctx) throw new HyperliquidResponseError('metaAndAssetCtxs', `no context for ${symbol}`)
  return ctx
}

/** Open interest priced at the context's mark; timed at receipt (the body carries no time). */
export function toOpenInterest(
  assetCtx: HyperliquidPerpAssetCtx,
  symbol: string,
  ctx: Pick<ParseContext, 'receivedAt'>
): OpenInterest {
  return assetCtxOpenInterest(assetCtx, symbol, ctx.receivedAt)
}

/** The hourly funding rate with the context's mark; timed at receipt (the body carries no time). */
export function toFundingRate(
  assetCtx: HyperliquidPerpAssetCtx,
  symbol: string,
  ctx: Pick<ParseContext, 'receivedAt' | 'market'>
): FundingRate {
  return assetCtxFundingRate(assetCtx, symbol, ctx.receivedAt, ctx.market)
}

/**
 * Every listed symbol's open interest and funding from one metaAndAssetCtxs body: the venue's
 * one-request way to read the whole market. Coins outside `ctx.symbols` are left out.
 */
export function parseAllAssetCtxs(body: unknown, ctx: ParseContext): NormalizedRecord[] {
  const records: NormalizedRecord[] = []
  for (const [coin, assetCtx] of parseMetaAndAssetCtxs(body)) {
    const symbol = fromNative(coin)
    if (symbol === null || !ctx.symbols.has(symbol)) continue
    records.push(
      { kind: 'open_interest', record: toOpenInterest(assetCtx, symbol, ctx) },
      { kind: 'funding_rate', record: toFundingRate(assetCtx, symbol, ctx) }
    )
  }
  return records
}

/** Hyperliquid serves only the most recent 5000 candles of a series. */
export const MAX_SNAPSHOT_CANDLES = 5000

/**
 * candleSnapshot needs both ends of the window. From `start_time`: up to `end_time` (default
 * now), of which the parser keeps the first `limit` (a listing may start after `start_time`);
 * without it: the `limit` candles up to `end_time` (default now). The weight counts the
 * candles the window can hold.
 */
export function candleSnapshotRequest(request: CandleRequest, now: number): RestRequest {
  const step = INTERVAL_MS[request.interval]
  const endTime = request.end_time ?? now
  const startTime =
    request.start_time ??
    Math.max(0, Math.floor(endTime / step) * step - (request.limit - 1) * step)
  const candles = Math.max(1, Math.floor((endTime - startTime) / step) + 1)
  return {
    method: 'POST',
    path: INFO_PATH,
    body: {
      type: 'candleSnapshot',
      req: { coin: coinOf(request.symbol), interval: request.interval, startTime, endTime },
    },
    weight: candleSnapshotWeight(Math.min(candles, MAX_SNAPSHOT_CANDLES)),
  }
}

/** Candles oldest first within the window, at most `limit` (the first from `start_time`, else the newest). */
export function parseCandleSnapshot(
  body: unknown,
  request: Pick<CandleRequest, 'symbol' | 'interval' | 'limit' | 'start_time' | 'end_time'>,
  ctx: Pick<ParseContext, 'receivedAt'>
): Ohlc[] {
  const rows = validate(z.array(HyperliquidCandle), body, 'candleSnapshot')
  const coin = coinOf(request.symbol)
  const candles = rows
    .filter((row) => row.s === coin && row.i === request.interval)
    .filter((row) => request.start_time === undefined || row.t >= request.start_time)
    .filter((row) => request.end_time === undefined || row.t <= request.end_time)
    .sort((a, b) => a.t - b.t)
    .map((row): Ohlc => ({
      exchange: 'hyperliquid',
      symbol: request.symbol,
      timestamp: row.t,
      received_at: ctx.receivedAt,
      interval: request.interval,
      open: Number(row.o),
      high: Number(row.h),
      low: Number(row.l),
      close: Number(row.c),
      volume: Number(row.v),
      quote_volume: null,
      trades: row.n,
      closed: row.T < ctx.receivedAt,
    }))
  return request.start_time !== undefined
    ? candles.slice(0, request.limit)
    : candles.slice(-request.limit)
}

export function fundingHistoryRequest(request: {
  symbol: string
  startTime: number
  endTime?: number
}): RestRequest {
  const { symbol, ...window } = request
  return info('fundingHistory', { coin: coinOf(symbol), ...window })
}

/** Funding history, oldest first. */
export function parseFundingHistory(body: unknown): FundingPoint[] {
  return validate(z.array(HyperliquidFundingHistoryItem), body, 'fundingHistory')
    .map((item) => ({ time: item.time, rate: Number(item.fundingRate) }))
    .sort((a, b) => a.time - b.time)
}
