import type { z } from 'zod'
import type {
  ExchangeId,
  ExchangeInfo as ExchangeInfoSchema,
  Interval,
  MultiFundingRate as MultiFundingRateSchema,
  MultiOhlc as MultiOhlcSchema,
  MultiOpenInterest as MultiOpenInterestSchema,
  RootInfo as RootInfoSchema,
  SpikeTimeframe,
} from '@takashi/schemas'

// Types only: the records are inferred from the zod schemas the services validate with, and
// nothing of zod or the schemas reaches a bundle.
export type {
  ErrorBody,
  ExchangeId,
  FundingRate,
  Health,
  Interval,
  LargeTrade,
  Liquidation,
  Ohlc,
  OISpike,
  OpenInterest,
  SpikeTimeframe,
} from '@takashi/schemas'

export type RootInfo = z.infer<typeof RootInfoSchema>
export type ExchangeInfo = z.infer<typeof ExchangeInfoSchema>
export type MultiOhlc = z.infer<typeof MultiOhlcSchema>
export type MultiOpenInterest = z.infer<typeof MultiOpenInterestSchema>
export type MultiFundingRate = z.infer<typeof MultiFundingRateSchema>

/** An exchange by its canonical name; other names are sent as given (the gateway answers 404). */
export type Exchange = ExchangeId | (string & {})

/** One value or several (sent as a comma list). */
export type List<T extends string = string> = T | readonly T[]

/** Options of every call. */
export interface CallOptions {
  /** aborts the request; the call rejects with the signal's reason */
  signal?: AbortSignal
}

export interface MarketParams {
  exchange: Exchange
  /** canonical (BTCUSDT) or the exchange's native symbol */
  symbol: string
}

export interface OhlcParams extends MarketParams {
  interval: Interval
  /** 1..1000, default 100 */
  limit?: number
  /** first open time, ms since the Unix epoch */
  start_time?: number
  /** last open time, ms since the Unix epoch */
  end_time?: number
}

export interface MultiParams {
  symbol: string
  /** default: every served exchange with the data */
  exchanges?: List<Exchange>
}

export interface MultiOhlcParams extends MultiParams {
  interval: Interval
  /** candles per exchange, 1..1000 */
  limit?: number
}

export interface FeedParams {
  /** only these exchanges; default every served exchange with the feed */
  exchange?: List<Exchange>
  /** only these symbols (canonical or native) */
  symbol?: List
  /** 1..1000, default 100 */
  limit?: number
}

export interface ValueFeedParams extends FeedParams {
  /** only events worth at least this */
  min_value_usd?: number
}

export interface OiSpikeParams extends FeedParams {
  timeframe?: SpikeTimeframe
}

/** `/livez` and `/readyz` answers. */
export interface ProbeAnswer {
  status: 'ok' | 'not_ready' | 'stopping'
}
