// Builders of Binance USD-M stream events and REST rows, shaped like the venue's own frames
// (decimals as strings, times and ids as numbers; see shared exchange-formats §1.2 and §1.7).
import { CANDLE_INTERVALS, candleOpenAt, MONDAY_WEEKS, nextCandleOpen } from '../candle-time.ts'

type Decimal = string | number

/** One `GET /fapi/v1/klines` row: open time, o, h, l, c, volume, close time, quote volume, trades, taker buy base, taker buy quote, unused. */
export type BinanceKlineRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
]

/** Every kline interval Binance USD-M accepts: all the candle-time names. */
export const BINANCE_INTERVALS = CANDLE_INTERVALS

/** Whether Binance accepts `interval` for klines. */
export function isBinanceInterval(interval: string): boolean {
  return BINANCE_INTERVALS.includes(interval)
}

/** Open time of the candle after the one opening at `openTime` (calendar months for `1M`). */
export const nextOpenTime = nextCandleOpen

/** Open time of the candle containing `time` (weeks open on Monday, as on Binance). */
export const candleOpenTime = (interval: string, time: number): number =>
  candleOpenAt(interval, time, MONDAY_WEEKS)

/** Stream names as Binance spells them (symbols lower case). */
export const binanceStreamName = {
  aggTrade: (symbol: string) => `${symbol.toLowerCase()}@aggTrade`,
  kline: (symbol: string, interval: string) => `${symbol.toLowerCase()}@kline_${interval}`,
  forceOrder: (symbol: string) => `${symbol.toLowerCase()}@forceOrder`,
  markPrice: (symbol: string) => `${symbol.toLowerCase()}@markPrice@1s`,
  bookTicker: (symbol: string) => `${symbol.toLowerCase()}@bookTicker`,
  depth: (symbol: string) => `${symbol.toLowerCase()}@depth`,
}

export interface AggTradeInput {
  symbol: string
  price: Decimal
  qty: Decimal
  /** true = the taker sold */
  buyerIsMaker: boolean
  id: number
  time: number
  eventTime?: number
  firstTradeId?: number
  lastTradeId?: number
}

export interface KlineInput {
  symbol: string
  interval: string
  openTime: number
  o: Decimal
  h: Decimal
  l: Decimal
  c: Decimal
  /** base volume */
  v: Decimal
  /** quote volume */
  q: Decimal
  /** number of trades */
  n: number
  closed: boolean
  eventTime?: number
  takerBuyVolume?: Decimal
  takerBuyQuote?: Decimal
  firstTradeId?: number
  lastTradeId?: number
}

export interface ForceOrderInput {
  symbol: string
  /** side of the liquidation order: SELL = a long was liquidated */
  side: 'BUY' | 'SELL'
  price: Decimal
  qty: Decimal
  time: number
  avgPrice?: Decimal
  eventTime?: number
}

export interface MarkPriceInput {
  symbol: string
  markPrice: Decimal
  fundingRate: Decimal
  nextFundingTime: number
  time: number
  indexPrice?: Decimal
  estimatedSettlePrice?: Decimal
}

export type KlineRowInput = Omit<KlineInput, 'symbol' | 'closed' | 'eventTime'>

const str = (value: Decimal): string => (typeof value === 'number' ? String(value) : value)

/** Event builders for the streams the ingestor reads. */
export const binanceEvents = {
  streamName: binanceStreamName,

  aggTrade(input: AggTradeInput) {
    return {
      e: 'aggTrade',
      E: input.eventTime ?? input.time,
      a: input.id,
      s: input.symbol.toUpperCase(),
      p: str(input.price),
      q: str(input.qty),
      nq: str(input.qty),
      f: input.firstTradeId ?? input.id,
      l: input.lastTradeId ?? input.firstTradeId ?? input.id,
      T: input.time,
      m: input.buyerIsMaker,
    }
  },

  kline(input: KlineInput) {
    const symbol = input.symbol.toUpperCase()
    return {
      e: 'kline',
      E: input.eventTime ?? input.openTime,
      s: symbol,
      k: {
        t: input.openTime,
        T: nextOpenTime(input.interval, input.openTime) - 1,
        s: symbol,
        i: input.interval,
        f: input.firstTradeId ?? 0,
        L: input.lastTradeId ?? 0,
        o: str(input.o),
        c: str(input.c),
        h: str(input.h),
        l: str(input.l),
        v: str(input.v),
        n: input.n,
        x: input.closed,
        q: str(input.q),
        V: str(input.takerBuyVolume ?? '0'),
        Q: str(input.takerBuyQuote ?? '0'),
        B: '0',
      },
    }
  },

  forceOrder(input: ForceOrderInput) {
    return {
      e: 'forceOrder',
      E: input.eventTime ?? input.time,
      o: {
        s: input.symbol.toUpperCase(),
        S: input.side,
        o: 'LIMIT',
        f: 'IOC',
        q: str(input.qty),
        p: str(input.price),
        ap: str(input.avgPrice ?? input.price),
        X: 'FILLED',
        l: str(input.qty),
        z: str(input.qty),
        T: input.time,
      },
    }
  },

  markPrice(input: MarkPriceInput) {
    return {
      e: 'markPriceUpdate',
      E: input.time,
      s: input.symbol.toUpperCase(),
      p: str(input.markPrice),
      i: str(input.indexPrice ?? input.markPrice),
      P: str(input.estimatedSettlePrice ?? input.markPrice),
      r: str(input.fundingRate),
      T: input.nextFundingTime,
    }
  },
}

/** A REST kline row from the same fields a kline event carries. */
export function binanceKlineRow(input: KlineRowInput): BinanceKlineRow {
  return [
    input.openTime,
    str(input.o),
    str(input.h),
    str(input.l),
    str(input.c),
    str(input.v),
    nextOpenTime(input.interval, input.openTime) - 1,
    str(input.q),
    input.n,
    str(input.takerBuyVolume ?? '0'),
    str(input.takerBuyQuote ?? '0'),
    '0',
  ]
}

/**
 * `count` consecutive 1m REST kline rows ending with the one that opens at `lastOpen`: closes
 * 64000.5, 64001.5, …; trade counts from `firstTrades` up.
 */
export function binanceKlineRows(lastOpen: number, count: number, firstTrades = 300) {
  return Array.from({ length: count }, (_, i) =>
    binanceKlineRow({
      interval: '1m',
      openTime: lastOpen - (count - 1 - i) * 60_000,
      o: '64000.0',
      h: '64100.0',
      l: '63900.0',
      c: `${64000 + i}.5`,
      v: '12.345',
      q: '790000.12',
      n: firstTrades + i,
    })
  )
}
