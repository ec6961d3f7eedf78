import { z } from 'zod'
import { decimal, millis } from '../wire-common.ts'

// Hyperliquid sends prices, sizes and rates as decimal strings and times as numbers (ms).

// Schemas are not strict: Hyperliquid adds fields (`dayBaseVlm`, `marginTableId`…) and those are ignored.

/** Every WebSocket message: `{"channel":"<type>","data":…}` (`pong` has no data). */
export const HyperliquidEnvelope = z.object({ channel: z.string(), data: z.unknown().optional() })

/** `{"channel":"error","data":"<text>"}`; anything else in `data` is shown as JSON. */
export const HyperliquidErrorData = z.unknown()

/**
 * One element of a `trades` push. Real example (2024-10):
 * {"coin":"BTC","side":"B","px":"69997.0","sz":"0.38111","time":1730160006192,
 *  "hash":"0x40d1…f9dd","tid":1016375172059570}
 * The docs add `users: [buyer, seller]`, absent from these captures.
 */
export const HyperliquidTrade = z.object({
  coin: z.string(),
  side: z.enum(['B', 'A']),
  px: decimal,
  sz: decimal,
  time: millis,
  tid: z.number().int().nonnegative(),
  hash: z.string().optional(),
})
export type HyperliquidTrade = z.infer<typeof HyperliquidTrade>

/** `trades` data: an array, possibly empty. */
export const HyperliquidTrades = z.array(HyperliquidTrade)

/**
 * A candle, on the `candle` channel and in `candleSnapshot`. Real example (REST, 2023-05):
 * {"T":1684702799999,"c":"0.001604","h":"0.001616","i":"1h","l":"0.001601","n":709,
 *  "o":"0.001601","s":"kPEPE","t":1684699200000,"v":"520665683.0"}
 * `t` open time, `T` close time (t + interval − 1), `v` base volume, `n` trade count.
 */
export const HyperliquidCandle = z.object({
  t: millis,
  T: millis,
  s: z.string(),
  i: z.string(),
  o: decimal,
  c: decimal,
  h: decimal,
  l: decimal,
  v: decimal,
  n: z.number().int().nonnegative(),
})
export type HyperliquidCandle = z.infer<typeof HyperliquidCandle>

/** `candle` data: one candle object (what the venue sends), or an array (what the docs say). */
export const HyperliquidCandleData = z.union([
  HyperliquidCandle.transform((candle) => [candle]),
  z.array(HyperliquidCandle),
])

/**
 * A perpetual's context, on `activeAssetCtx` and in `metaAndAssetCtxs`. Real example (2026):
 * {"funding":"-0.0000015186","openInterest":"27353.17682","prevDayPx":"76317.0",
 *  "dayNtlVlm":"1516669192.1953897476","premium":"-0.0005927453","oraclePx":"77605.0",
 *  "markPx":"77562.0","midPx":"77558.5","impactPxs":["77558.0","77559.0"],"dayBaseVlm":"19707.77457"}
 * `openInterest` is in base coin; `premium`, `midPx` and `impactPxs` can be null.
 */
export const HyperliquidPerpAssetCtx = z.object({
  funding: decimal,
  openInterest: decimal,
  markPx: decimal,
  oraclePx: decimal.optional(),
})
export type HyperliquidPerpAssetCtx = z.infer<typeof HyperliquidPerpAssetCtx>

/**
 * `activeAssetCtx` data. Real example (2024):
 * {"coin":"MOODENG","ctx":{"funding":"0.00004863","openInterest":"18617460.0",…,"markPx":"0.19963",…}}
 */
export const HyperliquidActiveAssetCtx = z.object({
  coin: z.string(),
  ctx: HyperliquidPerpAssetCtx,
})
export type HyperliquidActiveAssetCtx = z.infer<typeof HyperliquidActiveAssetCtx>

/**
 * POST /info `{"type":"meta"}`. Real example (2023-07):
 * {"universe":[{"maxLeverage":50,"name":"BTC","szDecimals":5},…]}
 * Newer bodies add `onlyIsolated`, `isDelisted`, `marginTableId`.
 */
export const HyperliquidMeta = z.object({
  universe: z.array(
    z.object({
      name: z.string(),
      szDecimals: z.number().int().nonnegative(),
      isDelisted: z.boolean().optional(),
    })
  ),
})
export type HyperliquidMeta = z.infer<typeof HyperliquidMeta>

/** POST /info `{"type":"metaAndAssetCtxs"}`: `[meta, ctxs]`, ctx i belongs to `universe[i]`. */
export const HyperliquidMetaAndAssetCtxs = z.tuple([
  HyperliquidMeta,
  z.array(HyperliquidPerpAssetCtx),
])

/**
 * POST /info `{"type":"fundingHistory",…}` item. Real example (2023-05):
 * {"coin":"BTC","fundingRate":"-0.00061334","premium":"-0.00091334","time":1683849600048}
 */
export const HyperliquidFundingHistoryItem = z.object({
  coin: z.string(),
  fundingRate: decimal,
  premium: decimal.optional(),
  time: millis,
})
export type HyperliquidFundingHistoryItem = z.infer<typeof HyperliquidFundingHistoryItem>
