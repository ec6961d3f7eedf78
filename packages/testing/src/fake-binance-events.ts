// Builders of Binance USD-M stream events and REST rows, shaped like the venue's own frames
// (decimals as strings, times and ids as numbers; see shared exchange-formats §1.2 and §1.7).

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

type Decimal = string | number

const MINUTE = 60_000
const INTERVAL_MS: Record<string, number> = {
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '6h': 360 * MINUTE,
  '8h': 480 * MINUTE,
  '12h': 720 * MINUTE,
  '1d': 1440 * MINUTE,
  '3d': 3 * 1440 * MINUTE,
  '1w': 7 * 1440 * MINUTE,
}

/** Every kline interval Binance USD-M accepts. */
export const BINANCE_INTERVALS = [...Object.keys(INTERVAL_MS), '1M'] as const

/** Whether Binance accepts `interval` for klines. */
export function isBinanceInterval(interval: string): boolean {
  return interval === '1M' || interval in INTERVAL_MS
}

/** Open time of the candle after the one opening at `openTime` (calendar months for `1M`). */
export function nextOpenTime(interval: string, openTime: number): number {
  if (interval === '1M') {
    const date = new Date(openTime)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
  }
  const ms = INTERVAL_MS[interval]
  if (ms === undefined) throw new Error(`unknown Binance interval ${interval}`)
  return openTime + ms
}

/** Open time of the candle containing `time` (weeks open on Monday, as on Binance). */
export function candleOpenTime(interval: string, time: number): number {
  if (interval === '1M') {
    const date = new Date(time)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  }
  const ms = INTERVAL_MS[interval]
  if (ms === undefined) throw new Error(`unknown Binance interval ${interval}`)
  // 1970-01-01 was a Thursday; Binance weeks start on Monday 00:00 UTC
  const offset = interval === '1w' ? 4 * 1440 * MINUTE : 0
  return Math.floor((time - offset) / ms) * ms + offset
}

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
