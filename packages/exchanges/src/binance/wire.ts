import { z } from 'zod'
import { decimal, millis } from '../wire-common.ts'

// Binance sends every price, size and rate as a decimal string; parse.ts turns them into numbers.
const id = z.number().int().nonnegative()

// Schemas are not strict: Binance adds fields (`st`, `ps`, `nq`, `ap`…) and those are ignored.

/** Combined-stream envelope (`/market/stream?streams=…`). */
export const BinanceCombinedFrame = z.object({ stream: z.string(), data: z.unknown() })

/** Answer to a control frame, e.g. `{"result":null,"id":1}`. */
export const BinanceAck = z.object({ result: z.unknown(), id: z.union([z.number(), z.string()]) })

/** `{"code":2,"msg":"Invalid request: …"}`, or the same wrapped in `error`. */
export const BinanceErrorFrame = z.union([
  z.object({ code: z.number(), msg: z.string() }),
  z.object({ error: z.object({ code: z.number(), msg: z.string() }) }),
])

export const BinanceEventHeader = z.object({ e: z.string() })

/**
 * `<symbol>@aggTrade`. Real example (2021-07):
 * {"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10",
 *  "f":23961322,"l":23961322,"T":1626992741421,"m":false}
 * 2019 frames have no `a`.
 */
export const BinanceAggTrade = z.object({
  e: z.literal('aggTrade'),
  E: millis,
  a: id.optional(),
  s: z.string(),
  p: decimal,
  q: decimal,
  f: id,
  l: id,
  T: millis,
  m: z.boolean(),
})
export type BinanceAggTrade = z.infer<typeof BinanceAggTrade>

/**
 * `<symbol>@kline_<interval>`. Real example (2021-07):
 * {"e":"kline","E":1626992741424,"s":"CTKUSDT","k":{"t":1626992700000,"T":1626992759999,
 *  "s":"CTKUSDT","i":"1m","f":23961275,"L":23961322,"o":"1.01000","c":"1.01100","h":"1.01100",
 *  "l":"1.01000","v":"3917","n":48,"x":false,"q":"3957.89900","V":"1729","Q":"1748.01900","B":"0"}}
 */
export const BinanceKlineEvent = z.object({
  e: z.literal('kline'),
  E: millis,
  s: z.string(),
  k: z.object({
    t: millis,
    T: millis,
    s: z.string().optional(),
    i: z.string(),
    o: decimal,
    c: decimal,
    h: decimal,
    l: decimal,
    v: decimal,
    n: z.number().int().nonnegative(),
    x: z.boolean(),
    q: decimal,
  }),
})
export type BinanceKlineEvent = z.infer<typeof BinanceKlineEvent>

/**
 * `<symbol>@forceOrder`. Real example (2020-03):
 * {"e":"forceOrder","E":1584059031426,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC",
 *  "q":"0.014","p":"4793.91","ap":"4706.04","X":"FILLED","l":"0.015","z":"0.014","T":1584059031421}}
 */
export const BinanceForceOrder = z.object({
  e: z.literal('forceOrder'),
  E: millis,
  o: z.object({
    s: z.string(),
    S: z.enum(['BUY', 'SELL']),
    q: decimal,
    p: decimal,
    ap: decimal,
    z: decimal,
    T: millis,
  }),
})
export type BinanceForceOrder = z.infer<typeof BinanceForceOrder>

/**
 * `<symbol>@markPrice` / `@markPrice@1s`. Real example (2020-08):
 * {"e":"markPriceUpdate","E":1597536008000,"s":"BTCUSDT","p":"11857.56000000",
 *  "i":"11851.86949091","r":"0.00015640","T":1597564800000}
 * Delivery contracts send `r: ""` and `T: 0`.
 */
export const BinanceMarkPrice = z.object({
  e: z.literal('markPriceUpdate'),
  E: millis,
  s: z.string(),
  p: decimal,
  r: decimal.or(z.literal('')),
  T: millis,
})
export type BinanceMarkPrice = z.infer<typeof BinanceMarkPrice>

/**
 * GET /fapi/v1/klines row. Example (2021, from a published API reference):
 * [1616338800000,"57212.69","57315.00","57196.19","57300.00","496.263",1616339099999,
 *  "28425514.78940",7160,"273.108","15642623.69718","0"]
 * open time, open, high, low, close, volume, close time, quote volume, trades, taker buy base/quote, unused.
 */
export const BinanceKlineRow = z
  .tuple([millis, decimal, decimal, decimal, decimal, decimal, millis, decimal, z.number().int()])
  .rest(z.unknown())
export type BinanceKlineRow = z.infer<typeof BinanceKlineRow>

/** GET /fapi/v1/openInterest (docs' example): {"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011} */
export const BinanceOpenInterest = z.object({
  openInterest: decimal,
  symbol: z.string(),
  time: millis,
})
export type BinanceOpenInterest = z.infer<typeof BinanceOpenInterest>

/**
 * GET /fapi/v1/premiumIndex item. Real example (2024-11):
 * {"symbol":"UXLINKUSDT","markPrice":"0.55630000","indexPrice":"0.55594286",
 *  "estimatedSettlePrice":"0.55586379","lastFundingRate":"0.00005000","interestRate":"0.00005000",
 *  "nextFundingTime":1732723200000,"time":1732715655000}
 */
export const BinancePremiumIndex = z.object({
  symbol: z.string(),
  markPrice: decimal,
  lastFundingRate: decimal.or(z.literal('')),
  nextFundingTime: millis,
  time: millis,
})
export type BinancePremiumIndex = z.infer<typeof BinancePremiumIndex>

/**
 * GET /fapi/v1/fundingRate item (shape of the docs' example; no real capture):
 * {"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,"markPrice":"34287.54619963"}
 * Old records have `markPrice: ""` or none; `rateType` was added in 2026.
 */
export const BinanceFundingRateItem = z.object({
  symbol: z.string(),
  fundingRate: decimal,
  fundingTime: millis,
  markPrice: decimal.or(z.literal('')).optional(),
})
export type BinanceFundingRateItem = z.infer<typeof BinanceFundingRateItem>

/**
 * GET /futures/data/openInterestHist item (shape of the docs' example; no real capture):
 * {"symbol":"BTCUSDT","sumOpenInterest":"20403.63700000","sumOpenInterestValue":"150570784.07809979",
 *  "timestamp":"1583127900000"}
 * The docs print `timestamp` as a string, the SDK types it as a number: accept both.
 */
export const BinanceOpenInterestHistItem = z.object({
  symbol: z.string(),
  sumOpenInterest: decimal,
  sumOpenInterestValue: decimal,
  timestamp: z.union([millis, z.string().regex(/^\d+$/).transform(Number)]),
})
export type BinanceOpenInterestHistItem = z.infer<typeof BinanceOpenInterestHistItem>

/** GET /fapi/v1/exchangeInfo, only the fields takashi reads. */
export const BinanceExchangeInfo = z.object({
  rateLimits: z
    .array(
      z.object({
        rateLimitType: z.string(),
        interval: z.string(),
        intervalNum: z.number().int().positive(),
        limit: z.number().int().positive(),
      })
    )
    .default([]),
  symbols: z.array(
    z.object({
      symbol: z.string(),
      contractType: z.string(),
      status: z.string(),
      quoteAsset: z.string(),
      marginAsset: z.string(),
    })
  ),
})
export type BinanceExchangeInfo = z.infer<typeof BinanceExchangeInfo>
