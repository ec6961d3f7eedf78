import type { FundingRate, Ohlc, OpenInterest } from '@takashi/schemas'
import * as records from '@takashi/testing'

const MINUTE = 60_000

export function candle(openTime: number, close = 100, interval: Ohlc['interval'] = '1m'): Ohlc {
  return records.ohlc({
    timestamp: openTime,
    received_at: openTime + 1,
    interval,
    open: close - 1,
    high: close + 1,
    low: close - 2,
    close,
    volume: 10,
    quote_volume: 1000,
    trades: 5,
  })
}

/** `count` consecutive 1m candles ending with the one open at `lastOpen`. */
export function candles(lastOpen: number, count: number): Ohlc[] {
  return Array.from({ length: count }, (_, i) => candle(lastOpen - (count - 1 - i) * MINUTE))
}

export function openInterest(value: number, timestamp = Date.now()): OpenInterest {
  return records.openInterest({
    timestamp,
    received_at: timestamp,
    open_interest: value,
    open_interest_usd: null,
  })
}

export function fundingRate(markPrice: number | null, timestamp = Date.now()): FundingRate {
  return records.fundingRate({
    timestamp,
    received_at: timestamp,
    next_funding_time: timestamp + 3_600_000,
    mark_price: markPrice,
  })
}
