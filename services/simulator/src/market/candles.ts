import { candleOpenAt, MONDAY_WEEKS, nextCandleOpen } from '@takashi/fakes/candle-time'
import { TRADES_PER_MINUTE, TRADE_VOLATILITY, type SymbolProfile } from './profile.ts'
import type { Random } from './random.ts'

/** A candle being built, in numbers; each venue formats it only when sending. */
export interface Candle {
  openTime: number
  o: number
  h: number
  l: number
  c: number
  v: number
  q: number
  n: number
  takerBuyV: number
  takerBuyQ: number
  firstTradeId: number
  lastTradeId: number
}

export interface CandleTrade {
  price: number
  quantity: number
  takerBuy: boolean
  firstTradeId: number
  lastTradeId: number
}

/** Candles kept per interval: a full page of the venues' REST history. */
export const HISTORY_LENGTH = 1000

/** Open time of the candle containing `time`; weeks open on Monday, as on Binance, Bybit and OKX. */
export const candleOpenTime = (interval: string, time: number): number =>
  candleOpenAt(interval, time, MONDAY_WEEKS)

/** Open time of the candle after the one opening at `openTime` (calendar months for `1M`). */
export const nextOpenTime = nextCandleOpen

export function emptyCandle(openTime: number, price: number): Candle {
  return {
    openTime,
    o: price,
    h: price,
    l: price,
    c: price,
    v: 0,
    q: 0,
    n: 0,
    takerBuyV: 0,
    takerBuyQ: 0,
    firstTradeId: 0,
    lastTradeId: 0,
  }
}

export function applyTrade(candle: Candle, trade: CandleTrade): void {
  if (candle.n === 0) candle.firstTradeId = trade.firstTradeId
  candle.lastTradeId = trade.lastTradeId
  candle.h = Math.max(candle.h, trade.price)
  candle.l = Math.min(candle.l, trade.price)
  candle.c = trade.price
  candle.v += trade.quantity
  candle.q += trade.quantity * trade.price
  candle.n += trade.lastTradeId - trade.firstTradeId + 1
  if (trade.takerBuy) {
    candle.takerBuyV += trade.quantity
    candle.takerBuyQ += trade.quantity * trade.price
  }
}

/**
 * `length` (default `HISTORY_LENGTH`) candles ending with the one open at `now` (which opens at `price`), walked
 * backwards so the newest close meets the live price.
 */
export function generateHistory(
  profile: SymbolProfile,
  interval: string,
  now: number,
  price: number,
  random: Random,
  length = HISTORY_LENGTH
): Candle[] {
  const currentOpen = candleOpenTime(interval, now)
  const history: Candle[] = [emptyCandle(currentOpen, price)]
  let close = price
  let openTime = currentOpen
  for (let index = 1; index < length; index++) {
    openTime = candleOpenTime(interval, openTime - 1)
    const minutes = (nextOpenTime(interval, openTime) - openTime) / 60_000
    const sigma = TRADE_VOLATILITY * Math.sqrt(TRADES_PER_MINUTE * minutes)
    const open = close * Math.exp(-sigma * random.gaussian())
    const wick = () => 1 + Math.abs(random.gaussian()) * sigma * 0.4
    const n = Math.max(1, Math.round(TRADES_PER_MINUTE * minutes * random.between(0.5, 1.5)))
    const v = n * (3_000 / price) * random.between(0.6, 1.6)
    const share = random.between(0.4, 0.6)
    const mid = (open + close) / 2
    history.unshift({
      openTime,
      o: open,
      h: Math.max(open, close) * wick(),
      l: Math.min(open, close) / wick(),
      c: close,
      v,
      q: v * mid,
      n,
      takerBuyV: v * share,
      takerBuyQ: v * share * mid,
      firstTradeId: 0,
      lastTradeId: 0,
    })
    close = open
  }
  return history
}
