import type { FundingRate, LargeTrade, Liquidation, Ohlc, OpenInterest } from './records.ts'

/**
 * What an ingestor produces, tagged by kind. Trades use the LargeTrade shape without a floor;
 * their `id` (and a liquidation's, before the aggregator assigns the feed id) is derived from
 * the event itself so that a re-delivered event has the same id.
 */
export type NormalizedRecord =
  | { kind: 'ohlc'; record: Ohlc }
  | { kind: 'trade'; record: LargeTrade }
  | { kind: 'liquidation'; record: Liquidation }
  | { kind: 'open_interest'; record: OpenInterest }
  | { kind: 'funding_rate'; record: FundingRate }

export type RecordKind = NormalizedRecord['kind']
