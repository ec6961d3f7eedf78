import type {
  FundingRate,
  LargeTrade,
  Liquidation,
  Ohlc,
  OISpike,
  OpenInterest,
} from '@takashi/schemas'

// Normalized records for tests: valid by the schemas, Binance BTCUSDT at T0 unless overridden.
// Values are plain defaults (nothing is derived), so an override changes only its own field.

/** The event time every record defaults to: 2023-11-14 22:13:20 UTC. */
export const T0 = 1_700_000_000_000

const common = {
  exchange: 'binance',
  symbol: 'BTCUSDT',
  timestamp: T0,
  received_at: T0 + 500,
} as const

/** A closed 1m candle: 100 → 105, 12.5 base units traded. */
export function ohlc(overrides: Partial<Ohlc> = {}): Ohlc {
  return {
    ...common,
    interval: '1m',
    open: 100,
    high: 110,
    low: 90,
    close: 105,
    volume: 12.5,
    quote_volume: 1312.5,
    trades: 42,
    closed: true,
    ...overrides,
  }
}

export function openInterest(overrides: Partial<OpenInterest> = {}): OpenInterest {
  return { ...common, open_interest: 80_000, open_interest_usd: 8e9, ...overrides }
}

export function fundingRate(overrides: Partial<FundingRate> = {}): FundingRate {
  return {
    ...common,
    funding_rate: 0.0001,
    interval_hours: 8,
    next_funding_time: T0 + 28_800_000,
    mark_price: 100_000,
    ...overrides,
  }
}

/** A $50k taker buy (the trade and large-trade shape). */
export function largeTrade(overrides: Partial<LargeTrade> = {}): LargeTrade {
  return {
    ...common,
    id: 'binance:BTCUSDT:1',
    side: 'buy',
    price: 100_000,
    quantity: 0.5,
    value_usd: 50_000,
    trade_id: '1',
    ...overrides,
  }
}

/** A $10k long liquidated. */
export function liquidation(overrides: Partial<Liquidation> = {}): Liquidation {
  return {
    ...common,
    id: 'binance:BTCUSDT:1700000000000:long:100000:0.1',
    side: 'long',
    price: 100_000,
    quantity: 0.1,
    value_usd: 10_000,
    ...overrides,
  }
}

/** Open interest 4 standard deviations over its 5m mean. */
export function oiSpike(overrides: Partial<OISpike> = {}): OISpike {
  return {
    ...common,
    id: 'binance:BTCUSDT:5m:open_interest:1700000000000',
    timeframe: '5m',
    metric: 'open_interest',
    value: 120,
    mean: 100,
    stdev: 5,
    z_score: 4,
    threshold: 3,
    ...overrides,
  }
}

/** The record without its id, as an event is before the aggregator appends it to a feed. */
export function withoutId<T extends { id: string }>(record: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = record
  return rest
}
