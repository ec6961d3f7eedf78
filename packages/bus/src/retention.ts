/** How much of each structure the backbone keeps; every key has a bound or a TTL (noeviction). */
export const RETENTION = {
  /** candles kept per (exchange, symbol, interval) */
  candlesKept: 1500,
  /** a candle series not written for this long is dropped, and so is its coverage marker */
  candlesTtlMs: 10 * 60_000,
  /** an ingestor's claim that a candle series is contiguous lapses unless it renews it */
  candlesMarkerTtlMs: 15_000,
  /** latest OI / funding records */
  latestTtlMs: 10 * 60_000,
  /** approximate length of the ingest streams the aggregator consumes */
  ingestMaxLen: 100_000,
  /** approximate length of each public feed; the contract promises at least 10,000 */
  feedMaxLen: 100_000,
  /** how long an appended event id is remembered for deduplication */
  feedSeenTtlMs: 24 * 3_600_000,
  /** the heartbeat hash of an ingestor that stopped writing */
  heartbeatTtlMs: 10 * 60_000,
} as const
