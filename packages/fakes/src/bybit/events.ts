// Builders of Bybit v5 linear WebSocket data and REST rows, shaped like the venue's own
// (decimals as strings; WebSocket times as numbers, REST list times as strings; shared
// exchange-formats §2).

import { fixedIntervalMs } from '../candle-time.ts'

type Decimal = string | number

/** Bybit's kline interval names, by canonical interval. */
export const BYBIT_KLINE_INTERVALS: Record<string, string> = {
  '1m': '1',
  '3m': '3',
  '5m': '5',
  '15m': '15',
  '30m': '30',
  '1h': '60',
  '2h': '120',
  '4h': '240',
  '6h': '360',
  '12h': '720',
  '1d': 'D',
}
const NATIVE_TO_CANONICAL = new Map(
  Object.entries(BYBIT_KLINE_INTERVALS).map(([canonical, native]) => [native, canonical])
)

/** `60` → `1h`; undefined for names Bybit does not have (or W and M, which the fake lacks). */
export function bybitCanonicalInterval(native: string): string | undefined {
  return NATIVE_TO_CANONICAL.get(native)
}

/** Topic names as Bybit spells them. */
export const bybitTopic = {
  trades: (symbol: string) => `publicTrade.${symbol}`,
  kline: (interval: string, symbol: string) =>
    `kline.${BYBIT_KLINE_INTERVALS[interval] ?? interval}.${symbol}`,
  tickers: (symbol: string) => `tickers.${symbol}`,
  liquidations: (symbol: string) => `allLiquidation.${symbol}`,
}

export interface BybitKlineInput {
  interval: string
  start: number
  open: Decimal
  high: Decimal
  low: Decimal
  close: Decimal
  volume: Decimal
  turnover: Decimal
  confirm?: boolean
  timestamp?: number
}

/** A REST kline row: `[startTime, open, high, low, close, volume, turnover]`, all strings. */
export type BybitKlineRow = [string, string, string, string, string, string, string]

/** Ticker fields as the linear `tickers` topic and REST carry them (a delta carries some). */
export type BybitTickerFields = Partial<{
  lastPrice: Decimal
  markPrice: Decimal
  indexPrice: Decimal
  openInterest: Decimal
  openInterestValue: Decimal
  singleOpenInterest: Decimal
  singleOpenInterestValue: Decimal
  fundingRate: Decimal
  nextFundingTime: number
  fundingIntervalHour: Decimal
  volume24h: Decimal
  turnover24h: Decimal
}>

export const bybitEvents = {
  /** A `publicTrade` element; `side` is the taker's. */
  trade(input: {
    symbol: string
    side: 'Buy' | 'Sell'
    price: Decimal
    size: Decimal
    time: number
    id: string
  }) {
    return {
      T: input.time,
      s: input.symbol,
      S: input.side,
      v: String(input.size),
      p: String(input.price),
      L: 'PlusTick',
      i: input.id,
      BT: false,
      RPI: false,
    }
  },

  /** A `kline` element (canonical interval in, Bybit's name out). */
  kline(input: BybitKlineInput) {
    const length = fixedIntervalMs(input.interval) ?? 60_000
    return {
      start: input.start,
      end: input.start + length - 1,
      interval: BYBIT_KLINE_INTERVALS[input.interval] ?? input.interval,
      open: String(input.open),
      close: String(input.close),
      high: String(input.high),
      low: String(input.low),
      volume: String(input.volume),
      turnover: String(input.turnover),
      confirm: input.confirm ?? false,
      timestamp: input.timestamp ?? input.start,
    }
  },

  /** `tickers` data: every given field as a string, the symbol always. */
  ticker(symbol: string, fields: BybitTickerFields) {
    const data: Record<string, string> = { symbol }
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) data[key] = String(value)
    }
    return data
  },

  /** An `allLiquidation` element; `side` is the liquidated POSITION's (Buy = a long). */
  liquidation(input: {
    symbol: string
    side: 'Buy' | 'Sell'
    size: Decimal
    price: Decimal
    time: number
  }) {
    return {
      T: input.time,
      s: input.symbol,
      S: input.side,
      v: String(input.size),
      p: String(input.price),
    }
  },
}

/** A REST kline row from the same input as a WebSocket kline. */
export function bybitKlineRow(input: BybitKlineInput): BybitKlineRow {
  return [
    String(input.start),
    String(input.open),
    String(input.high),
    String(input.low),
    String(input.close),
    String(input.volume),
    String(input.turnover),
  ]
}
