import { segmentOf } from '@takashi/schemas'
import type { ChainableCommander } from 'ioredis'
import type {
  ExchangeId,
  Interval,
  LargeTrade,
  Liquidation,
  NormalizedRecord,
  Ohlc,
} from '@takashi/schemas'
import type { Keys } from './keys.ts'
import type { Redis } from './redis.ts'
import { RETENTION } from './retention.ts'

export interface PublishOptions {
  /** false for records whose ingest-stream append goes another way (appendIngestEvents) */
  ingest?: (item: NormalizedRecord) => boolean
}

/**
 * Writes normalized records to the backbone, serializing each once: the same JSON text goes to
 * the cache, the live channel and the ingest stream, and is what clients receive.
 * Records of one call are written in one round trip.
 */
export async function publishRecords(
  redis: Redis,
  keys: Keys,
  records: readonly NormalizedRecord[],
  options: PublishOptions = {}
): Promise<void> {
  if (records.length === 0) return
  const tx = redis.multi()
  for (const item of records) {
    const json = JSON.stringify(item.record)
    switch (item.kind) {
      case 'ohlc': {
        const { exchange, symbol, interval } = item.record
        addCandle(tx, keys, item.record, json)
        tx.publish(keys.ohlcChannel(exchange, symbol, interval), json)
        break
      }
      case 'trade': {
        const { exchange, symbol } = item.record
        tx.publish(keys.liveChannel('trades', exchange, symbol), json)
        if (options.ingest?.(item) === false) break
        tx.xadd(keys.ingest('trades'), 'MAXLEN', '~', RETENTION.ingestMaxLen, '*', 'r', json)
        break
      }
      case 'liquidation':
        if (options.ingest?.(item) === false) break
        tx.xadd(keys.ingest('liquidations'), 'MAXLEN', '~', RETENTION.ingestMaxLen, '*', 'r', json)
        break
      case 'open_interest':
      case 'funding_rate': {
        const kind = segmentOf(item.kind)
        const { exchange, symbol } = item.record
        tx.set(keys.latest(kind, exchange, symbol), json, 'PX', RETENTION.latestTtlMs)
        tx.publish(keys.liveChannel(kind, exchange, symbol), json)
        break
      }
    }
  }
  await tx.exec()
}

/**
 * Writes candles to the cache only, without telling live subscribers: a REST backfill of past
 * candles must not replay history to clients of the live stream. With `coverage`, the series is
 * marked contiguous from `coverage.from` in the same transaction as the candles.
 */
export async function cacheCandles(
  redis: Redis,
  keys: Keys,
  candles: readonly Ohlc[],
  coverage?: { from: number; ttlMs: number }
): Promise<void> {
  const first = candles[0]
  if (first === undefined) return
  const tx = redis.multi()
  for (const candle of candles) addCandle(tx, keys, candle, JSON.stringify(candle))
  if (coverage) {
    const marker = keys.candlesFrom(first.exchange, first.symbol, first.interval)
    tx.set(marker, String(coverage.from), 'PX', coverage.ttlMs)
  }
  await tx.exec()
}

function addCandle(tx: ChainableCommander, keys: Keys, candle: Ohlc, json: string): void {
  const { exchange, symbol, interval, timestamp } = candle
  const key = keys.candles(exchange, symbol, interval)
  tx.zremrangebyscore(key, timestamp, timestamp)
  tx.zadd(key, timestamp, json)
  tx.zremrangebyrank(key, 0, -RETENTION.candlesKept - 1)
  tx.pexpire(key, RETENTION.candlesTtlMs)
  // the coverage marker is kept alive by its owner (refreshCandleMarkers), never by a write: a
  // candle written after a gap must not vouch for the candles missing before it
}

/** One candle series of one exchange. */
export interface CandleSeries {
  exchange: ExchangeId
  symbol: string
  interval: Interval
}

/**
 * Records that the candle cache of a series is contiguous from `openTime` up to now; set by the
 * ingestor after a REST backfill and kept alive by it (refreshCandleMarkers) while it is sure.
 */
export async function markCandlesFrom(
  redis: Redis,
  keys: Keys,
  series: CandleSeries,
  openTime: number,
  ttlMs: number = RETENTION.candlesTtlMs
): Promise<void> {
  await redis.set(
    keys.candlesFrom(series.exchange, series.symbol, series.interval),
    String(openTime),
    'PX',
    ttlMs
  )
}

/**
 * Removes the coverage markers of these series in one step, so no reader trusts them any more,
 * and returns what they said (open time, or null where there was none), in order.
 */
export async function takeCandleMarkers(
  redis: Redis,
  keys: Keys,
  series: readonly CandleSeries[]
): Promise<(number | null)[]> {
  if (series.length === 0) return []
  const tx = redis.multi()
  for (const s of series) tx.getdel(keys.candlesFrom(s.exchange, s.symbol, s.interval))
  const replies = (await tx.exec()) ?? []
  return replies.map(([err, value]) => {
    if (err) throw err
    return typeof value === 'string' ? Number(value) : null
  })
}

/**
 * Extends the coverage markers (and the candle sets) of these series; returns, in order,
 * whether each marker still existed. A marker is never created here.
 */
export async function refreshCandleMarkers(
  redis: Redis,
  keys: Keys,
  series: readonly CandleSeries[],
  markerTtlMs: number
): Promise<boolean[]> {
  if (series.length === 0) return []
  const tx = redis.multi()
  for (const s of series) {
    tx.pexpire(keys.candlesFrom(s.exchange, s.symbol, s.interval), markerTtlMs)
    tx.pexpire(keys.candles(s.exchange, s.symbol, s.interval), RETENTION.candlesTtlMs)
  }
  const replies = (await tx.exec()) ?? []
  return series.map((_, i) => {
    const [err, value] = replies[i * 2] ?? [null, 0]
    if (err) throw err
    return value === 1
  })
}

/** An event the aggregator turns into a feed entry. */
export type IngestEvent =
  { kind: 'liquidation'; record: Liquidation } | { kind: 'trade'; record: LargeTrade }

/** Appends events to the ingest streams, in order, in one transaction. */
export async function appendIngestEvents(
  redis: Redis,
  keys: Keys,
  events: readonly IngestEvent[]
): Promise<void> {
  if (events.length === 0) return
  const tx = redis.multi()
  for (const event of events) {
    const stream = keys.ingest(event.kind === 'trade' ? 'trades' : 'liquidations')
    tx.xadd(stream, 'MAXLEN', '~', RETENTION.ingestMaxLen, '*', 'r', JSON.stringify(event.record))
  }
  const replies = (await tx.exec()) ?? []
  for (const [err] of replies) if (err) throw err
}

/**
 * Writes latest OI / funding records back to their cache keys (no live publish), each with the
 * TTL it has left, e.g. after Redis restarted empty. Expired records are skipped.
 */
export async function restoreLatest(
  redis: Redis,
  keys: Keys,
  records: readonly NormalizedRecord[],
  now = Date.now()
): Promise<void> {
  const writes: [string, string, number][] = []
  for (const item of records) {
    if (item.kind !== 'open_interest' && item.kind !== 'funding_rate') continue
    const ttl = RETENTION.latestTtlMs - (now - item.record.received_at)
    if (ttl <= 0) continue
    const kind = segmentOf(item.kind)
    const { exchange, symbol } = item.record
    writes.push([keys.latest(kind, exchange, symbol), JSON.stringify(item.record), ttl])
  }
  if (writes.length === 0) return
  const tx = redis.multi()
  for (const [key, json, ttl] of writes) tx.set(key, json, 'PX', ttl)
  await tx.exec()
}

/** Writes the last message time of each stream an ingestor carries (read by `/health`). */
export async function writeHeartbeat(
  redis: Redis,
  keys: Keys,
  exchange: Parameters<Keys['heartbeat']>[0],
  lastMessageAt: Readonly<Record<string, number>>
): Promise<void> {
  const key = keys.heartbeat(exchange)
  const fields = { ...lastMessageAt, '@alive': Date.now() }
  await redis.multi().hset(key, fields).pexpire(key, RETENTION.heartbeatTtlMs).exec()
}
