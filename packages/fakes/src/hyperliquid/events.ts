// Builders of Hyperliquid WebSocket data and info rows, shaped like the venue's own (decimals as
// strings, times and trade ids as numbers; see shared exchange-formats §4).

import { CANDLE_INTERVALS, candleOpenAt, nextCandleOpen } from '../candle-time.ts'

type Decimal = string | number

/** Every candle interval Hyperliquid accepts: the candle-time names but 6h. */
export const HYPERLIQUID_CANDLE_INTERVALS = CANDLE_INTERVALS.filter((interval) => interval !== '6h')

export function isHyperliquidInterval(interval: string): boolean {
  return HYPERLIQUID_CANDLE_INTERVALS.includes(interval)
}

/** Open time of the candle after the one opening at `openTime` (calendar months for `1M`). */
export const hyperliquidNextOpenTime = nextCandleOpen

/** Open time of the candle containing `time` (fixed intervals from the epoch; months by calendar). */
export const hyperliquidCandleOpenTime = (interval: string, time: number): number =>
  candleOpenAt(interval, time)

/**
 * The coin of a canonical symbol, as takashi maps them: BTCUSDT → BTC, 1000PEPEUSDT → kPEPE;
 * undefined for anything else.
 */
export function hyperliquidCoin(symbol: string): string | undefined {
  const base = /^([A-Z0-9]+)USDT$/.exec(symbol)?.[1]
  if (base === undefined) return undefined
  return base.startsWith('1000') && base.length > 4 ? `k${base.slice(4)}` : base
}

/** Subscription keys: the subscription's type, coin and interval, e.g. `candle:BTC:1m`. */
export const hyperliquidTopic = {
  trades: (coin: string) => `trades:${coin}`,
  candle: (coin: string, interval: string) => `candle:${coin}:${interval}`,
  activeAssetCtx: (coin: string) => `activeAssetCtx:${coin}`,
  l2Book: (coin: string) => `l2Book:${coin}`,
  bbo: (coin: string) => `bbo:${coin}`,
  allMids: () => 'allMids',
}

export interface HyperliquidTradeInput {
  coin: string
  /** the aggressor: "B" = the taker bought, "A" = the taker sold */
  side: 'B' | 'A'
  px: Decimal
  sz: Decimal
  time: number
  tid: number
  hash?: string
  /** [buyer, seller]; absent from recent recordings */
  users?: [string, string]
}

/** One candle, on the `candle` channel and in candleSnapshot. */
export interface HyperliquidCandleRow {
  t: number
  T: number
  s: string
  i: string
  o: string
  c: string
  h: string
  l: string
  v: string
  n: number
}

export interface HyperliquidCandleInput {
  coin: string
  interval: string
  openTime: number
  o: Decimal
  h: Decimal
  l: Decimal
  c: Decimal
  /** base volume */
  v: Decimal
  /** number of trades */
  n: number
}

/** A perpetual's context as `activeAssetCtx` and `metaAndAssetCtxs` carry it. */
export interface HyperliquidAssetCtx {
  funding: string
  openInterest: string
  prevDayPx: string
  dayNtlVlm: string
  premium: string | null
  oraclePx: string
  markPx: string
  midPx: string | null
  impactPxs: [string, string] | null
  dayBaseVlm: string
}

export interface HyperliquidAssetCtxInput {
  funding: Decimal
  /** base coin */
  openInterest: Decimal
  markPx: Decimal
  oraclePx?: Decimal
  midPx?: Decimal | null
  premium?: Decimal | null
  prevDayPx?: Decimal
  dayNtlVlm?: Decimal
  dayBaseVlm?: Decimal
}

export interface HyperliquidFundingRow {
  fundingRate: string
  premium: string
  time: number
}

const str = (value: Decimal): string => (typeof value === 'number' ? String(value) : value)
const hashOf = (tid: number) => `0x${tid.toString(16).padStart(64, '0')}`

/** Builders for the channels the ingestor subscribes to. */
export const hyperliquidEvents = {
  topic: hyperliquidTopic,

  /** one element of a `trades` push (the push itself is an array of these) */
  trade(input: HyperliquidTradeInput) {
    return {
      coin: input.coin,
      side: input.side,
      px: str(input.px),
      sz: str(input.sz),
      time: input.time,
      hash: input.hash ?? hashOf(input.tid),
      tid: input.tid,
      ...(input.users && { users: input.users }),
    }
  },

  candle(input: HyperliquidCandleInput): HyperliquidCandleRow {
    return {
      t: input.openTime,
      T: hyperliquidNextOpenTime(input.interval, input.openTime) - 1,
      s: input.coin,
      i: input.interval,
      o: str(input.o),
      c: str(input.c),
      h: str(input.h),
      l: str(input.l),
      v: str(input.v),
      n: input.n,
    }
  },

  assetCtx(input: HyperliquidAssetCtxInput): HyperliquidAssetCtx {
    const mark = str(input.markPx)
    const mid = input.midPx === undefined ? mark : input.midPx === null ? null : str(input.midPx)
    return {
      funding: str(input.funding),
      openInterest: str(input.openInterest),
      prevDayPx: str(input.prevDayPx ?? mark),
      dayNtlVlm: str(input.dayNtlVlm ?? '0.0'),
      premium:
        input.premium === undefined ? '0.0' : input.premium === null ? null : str(input.premium),
      oraclePx: str(input.oraclePx ?? mark),
      markPx: mark,
      midPx: mid,
      impactPxs: mid === null ? null : [mid, mid],
      dayBaseVlm: str(input.dayBaseVlm ?? '0.0'),
    }
  },

  /** `activeAssetCtx` data */
  activeAssetCtx(coin: string, ctx: HyperliquidAssetCtx) {
    return { coin, ctx }
  },
}
