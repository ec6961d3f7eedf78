import { z } from 'zod'

/** Exchanges takashi speaks to, in their canonical lower-case names. */
export const EXCHANGE_IDS = ['binance', 'bybit', 'okx', 'hyperliquid'] as const
export const ExchangeId = z.enum(EXCHANGE_IDS)
export type ExchangeId = z.infer<typeof ExchangeId>

/** Candle intervals of the public API (spec §3), shortest first. */
export const INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '12h',
  '1d',
] as const
export const Interval = z.enum(INTERVALS)
export type Interval = z.infer<typeof Interval>

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
}

export const SPIKE_TIMEFRAMES = ['5m', '15m', '1h'] as const
export const SpikeTimeframe = z.enum(SPIKE_TIMEFRAMES)
export type SpikeTimeframe = z.infer<typeof SpikeTimeframe>

const millis = z.number().int().nonnegative()

const common = {
  exchange: ExchangeId.meta({ description: 'Exchange the record comes from' }),
  symbol: z.string().meta({ description: 'Canonical symbol, e.g. BTCUSDT', example: 'BTCUSDT' }),
  timestamp: millis.meta({ description: 'Exchange event time, ms since the Unix epoch (UTC)' }),
  received_at: millis.meta({
    description: 'When the ingestor received it, ms since the Unix epoch',
  }),
}

export const Ohlc = z
  .object({
    ...common,
    timestamp: millis.meta({ description: "The candle's open time, ms since the Unix epoch" }),
    interval: Interval,
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number(),
    volume: z.number().meta({ description: 'Volume in base units' }),
    quote_volume: z.number().nullable().meta({ description: "Exchange's quote volume, or null" }),
    trades: z.number().int().nullable().meta({ description: "Exchange's trade count, or null" }),
    closed: z.boolean().meta({ description: 'The candle is final' }),
  })
  .meta({ id: 'OHLC' })
export type Ohlc = z.infer<typeof Ohlc>

export const OpenInterest = z
  .object({
    ...common,
    open_interest: z.number().meta({ description: 'Open interest in base units' }),
    open_interest_usd: z
      .number()
      .nullable()
      .meta({ description: 'Open interest × latest mark price; null while no price is known' }),
  })
  .meta({ id: 'OpenInterest' })
export type OpenInterest = z.infer<typeof OpenInterest>

export const FundingRate = z
  .object({
    ...common,
    funding_rate: z.number().meta({ description: 'Fraction per funding period, e.g. 0.0001' }),
    interval_hours: z
      .number()
      .positive()
      .meta({ description: 'Length of the funding period in hours' }),
    next_funding_time: millis.nullable(),
    mark_price: z.number().nullable(),
  })
  .meta({ id: 'FundingRate' })
export type FundingRate = z.infer<typeof FundingRate>

export const Liquidation = z
  .object({
    ...common,
    id: z.string().meta({ description: 'Event id; orders events within the feed' }),
    side: z.enum(['long', 'short']).meta({ description: 'The position that was liquidated' }),
    price: z.number(),
    quantity: z.number().meta({ description: 'Base units' }),
    value_usd: z.number(),
  })
  .meta({ id: 'Liquidation' })
export type Liquidation = z.infer<typeof Liquidation>

export const LargeTrade = z
  .object({
    ...common,
    id: z.string().meta({ description: 'Event id; orders events within the feed' }),
    side: z.enum(['buy', 'sell']).meta({ description: "The taker's side" }),
    price: z.number(),
    quantity: z.number().meta({ description: 'Base units' }),
    value_usd: z.number(),
    trade_id: z.string(),
  })
  .meta({ id: 'LargeTrade' })
export type LargeTrade = z.infer<typeof LargeTrade>

export const OISpike = z
  .object({
    ...common,
    id: z.string(),
    timeframe: SpikeTimeframe,
    metric: z.enum(['open_interest', 'volume']),
    value: z.number(),
    mean: z.number(),
    stdev: z.number(),
    z_score: z.number(),
    threshold: z.number(),
  })
  .meta({ id: 'OISpike' })
export type OISpike = z.infer<typeof OISpike>
