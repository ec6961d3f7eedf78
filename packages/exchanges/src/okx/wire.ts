import { z } from 'zod'
import { decimal, millisText } from '../wire-common.ts'

// OKX sends every number as a string, timestamps included (shared exchange-formats §3).
// Schemas are not strict: OKX adds fields (`count`, `seqId`, `instIdCode`…).

/** Control answers: `{"event":"subscribe","arg":{…}}`, `{"event":"error","code":"60012","msg":"…"}`. */
export const OkxEvent = z.object({
  event: z.string(),
  code: z.string().optional(),
  msg: z.string().optional(),
})

/** A push: `{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[…]}`. */
export const OkxPush = z.object({
  arg: z.object({
    channel: z.string(),
    instId: z.string().optional(),
    instType: z.string().optional(),
  }),
  data: z.array(z.unknown()),
})

/**
 * `trades` element. Real (2021-12):
 * {"instId":"BTC-USDT-SWAP","tradeId":"148266905","px":"48938.5","sz":"5","side":"buy","ts":"1640131236050"}
 * `sz` is in contracts for swaps; `side` is the taker's.
 */
export const OkxTrade = z.object({
  instId: z.string(),
  tradeId: z.string().min(1),
  px: decimal,
  sz: decimal,
  side: z.enum(['buy', 'sell']),
  ts: millisText,
})

/** A candle row: `[ts, o, h, l, c, vol (contracts), volCcy (base), volCcyQuote, confirm]`. */
export const OkxCandleRow = z.tuple([
  millisText,
  decimal,
  decimal,
  decimal,
  decimal,
  decimal,
  decimal,
  decimal,
  z.enum(['0', '1']),
])

/** `open-interest` element (and REST): `oi` contracts, `oiCcy` coin, `oiUsd` (newer) USD. */
export const OkxOpenInterest = z.object({
  instId: z.string(),
  oi: decimal,
  oiCcy: decimal.optional(),
  oiUsd: decimal.optional(),
  ts: millisText,
})

/**
 * `funding-rate` element (and REST). Real (2021-12), where `fundingRate` can be missing:
 * {"fundingRate":"0.00048105","fundingTime":"1640131200000","instId":"WNCG-USDT-SWAP",…}
 * `fundingTime` is the coming settlement, `nextFundingTime` the one after it.
 */
export const OkxFundingRate = z.object({
  instId: z.string(),
  fundingRate: decimal.optional(),
  fundingTime: millisText,
  nextFundingTime: z.union([millisText, z.literal('')]).optional(),
  ts: millisText.optional(),
})

/** `mark-price` element: {"instId":"WNCG-USDT-SWAP","instType":"SWAP","markPx":"2.1729","ts":"…"}. */
export const OkxMarkPrice = z.object({ instId: z.string(), markPx: decimal, ts: millisText })

/**
 * `liquidation-orders` element. Real (2023-03, a future):
 * {"details":[{"bkLoss":"0","bkPx":"0.55205","ccy":"","posSide":"short","side":"buy","sz":"39",
 *  "ts":"1680173247614"}],"instFamily":"XRP-USD","instId":"XRP-USD-230929","instType":"FUTURES",…}
 */
export const OkxLiquidation = z.object({
  instId: z.string(),
  details: z.array(
    z.object({
      side: z.enum(['buy', 'sell']),
      posSide: z.string().optional(),
      bkPx: decimal,
      sz: decimal,
      ts: millisText,
    })
  ),
})

/** Every REST answer: `{"code":"0","msg":"","data":[…]}`. */
export const OkxEnvelope = z.object({ code: z.string(), msg: z.string(), data: z.unknown() })

/** GET /api/v5/public/instruments?instType=SWAP item. */
export const OkxInstrument = z.object({
  instId: z.string(),
  instType: z.string(),
  ctType: z.string(),
  settleCcy: z.string(),
  ctVal: decimal,
  ctMult: decimal,
  state: z.string(),
})

/** GET /api/v5/rubik/stat/contracts/open-interest-history row: `[ts, oi, oiCcy, oiUsd]`. */
export const OkxOpenInterestHistoryRow = z.tuple([millisText, decimal, decimal, decimal])
