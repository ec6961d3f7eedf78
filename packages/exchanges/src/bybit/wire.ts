import { z } from 'zod'
import { decimal, millis, millisText } from '../wire-common.ts'

// Bybit v5 sends prices, sizes and rates as decimal strings; WebSocket times are numbers, REST
// list times are strings (shared exchange-formats §2). Schemas are not strict: Bybit adds fields.

/** A data frame: `{"topic":"…","type":"snapshot"|"delta","ts":…,"data":…}`. */
export const BybitDataFrame = z.object({
  topic: z.string(),
  type: z.string().optional(),
  ts: millis.optional(),
  data: z.unknown(),
})

/**
 * An answer to `op` requests. Subscribe ack (linear):
 * {"success":true,"ret_msg":"","conn_id":"3cd84cb1-…","req_id":"","op":"subscribe"}
 * Pong (linear): {"success":true,"ret_msg":"pong","conn_id":"465772b1-…","req_id":"","op":"ping"};
 * other markets answer `{"op":"pong","args":["<ms>"]}`.
 */
export const BybitOpFrame = z.object({
  op: z.string(),
  success: z.boolean().optional(),
  ret_msg: z.string().optional(),
})

/**
 * A `publicTrade` element. Real (2023-04):
 * {"T":1680688979983,"s":"LTCUSDT","S":"Buy","v":"0.4","p":"94.53","L":"ZeroMinusTick",
 *  "i":"4c7b6bdc-b4a3-5716-9c7b-bbe01dc7072f","BT":false}
 * `S` is the taker's side; `v` is in base coin for linear contracts.
 */
export const BybitTrade = z.object({
  T: millis,
  s: z.string(),
  S: z.enum(['Buy', 'Sell']),
  v: decimal,
  p: decimal,
  i: z.string().min(1),
})
export const BybitTrades = z.array(BybitTrade)

/**
 * A `kline` element (docs example; no real capture):
 * {"start":1672324800000,"end":1672325099999,"interval":"5","open":"16649.5","close":"16677",
 *  "high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,
 *  "timestamp":1672324988882}
 */
export const BybitKline = z.object({
  start: millis,
  end: millis,
  interval: z.string(),
  open: decimal,
  close: decimal,
  high: decimal,
  low: decimal,
  volume: decimal,
  turnover: decimal,
  confirm: z.boolean(),
})
export const BybitKlines = z.array(BybitKline)

/**
 * `tickers` data: all fields in the snapshot, only the changed ones in a delta. Real (2023-04):
 * {"symbol":"BTCUSDT","markPrice":"28552.81","openInterest":"52774.528",
 *  "openInterestValue":"1506861070.82","nextFundingTime":"1680681600000","fundingRate":"0.0001",…}
 */
export const BybitTicker = z.object({
  symbol: z.string(),
  markPrice: decimal.optional(),
  openInterest: decimal.optional(),
  openInterestValue: decimal.optional(),
  singleOpenInterest: decimal.optional(),
  singleOpenInterestValue: decimal.optional(),
  fundingRate: decimal.optional(),
  nextFundingTime: millisText.optional(),
  fundingIntervalHour: decimal.optional(),
})
export type BybitTicker = z.infer<typeof BybitTicker>

/**
 * An `allLiquidation` element. Real (2025-02):
 * {"T":1740480207110,"s":"PIPPINUSDT","S":"Sell","v":"2846","p":"0.02456"}
 * `S` is the side of the liquidated POSITION (Buy = a long), `p` the bankruptcy price.
 */
export const BybitLiquidation = z.object({
  T: millis,
  s: z.string(),
  S: z.enum(['Buy', 'Sell']),
  v: decimal,
  p: decimal,
})
export const BybitLiquidations = z.array(BybitLiquidation)

/** Every REST answer: `{"retCode":0,"retMsg":"OK","result":{…},"time":…}`. */
export const BybitEnvelope = z.object({
  retCode: z.number().int(),
  retMsg: z.string(),
  result: z.unknown(),
})

/** GET /v5/market/kline result: rows `[startTime, open, high, low, close, volume, turnover]`, newest first. */
export const BybitKlineResult = z.object({
  symbol: z.string(),
  list: z.array(z.tuple([millisText, decimal, decimal, decimal, decimal, decimal, decimal])),
})

/** GET /v5/market/open-interest result; `openInterest` counts both sides (see rest.ts). */
export const BybitOpenInterestResult = z.object({
  symbol: z.string(),
  list: z.array(
    z.object({
      openInterest: decimal,
      singleOpenInterest: decimal.optional(),
      timestamp: millisText,
    })
  ),
  nextPageCursor: z.string().optional(),
})

/** GET /v5/market/tickers result (linear). */
export const BybitTickersResult = z.object({
  list: z.array(
    BybitTicker.extend({
      markPrice: decimal,
      openInterest: decimal,
      fundingRate: decimal,
      nextFundingTime: millisText,
    })
  ),
})

/** GET /v5/market/instruments-info result (linear), paginated by cursor. */
export const BybitInstrumentsResult = z.object({
  list: z.array(
    z.object({
      symbol: z.string(),
      contractType: z.string(),
      status: z.string(),
      settleCoin: z.string(),
      fundingInterval: z.number().int().nonnegative().optional(),
    })
  ),
  nextPageCursor: z.string().optional(),
})

/**
 * GET /v5/market/funding/history result, newest first. Docs example:
 * {"category":"linear","list":[{"symbol":"ETHPERP","fundingRate":"0.0001","fundingRateTimestamp":"1672041600000"}]}
 */
export const BybitFundingHistoryResult = z.object({
  list: z.array(
    z.object({
      symbol: z.string(),
      fundingRate: decimal,
      fundingRateTimestamp: millisText,
    })
  ),
})
