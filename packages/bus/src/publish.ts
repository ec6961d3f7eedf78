import type { ChainableCommander } from 'ioredis'
import type { NormalizedRecord, Ohlc } from '@takashi/schemas'
import type { Keys } from './keys.ts'
import type { Redis } from './redis.ts'
import { RETENTION } from './retention.ts'

/**
 * Writes normalized records to the backbone, serializing each once: the same JSON text goes to
 * the cache, the live channel and the ingest stream, and is what clients receive.
 * Records of one call are written in one round trip.
 */
export async function publishRecords(
  redis: Redis,
  keys: Keys,
  records: readonly NormalizedRecord[]
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
        tx.xadd(keys.ingest('trades'), 'MAXLEN', '~', RETENTION.ingestMaxLen, '*', 'r', json)
        break
      }
      case 'liquidation':
        tx.xadd(keys.ingest('liquidations'), 'MAXLEN', '~', RETENTION.ingestMaxLen, '*', 'r', json)
        break
      case 'open_interest':
      case 'funding_rate': {
        const kind = item.kind === 'open_interest' ? 'open-interest' : 'funding-rate'
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
 * candles must not replay history to clients of the live stream.
 */
export async function cacheCandles(
  redis: Redis,
  keys: Keys,
  candles: readonly Ohlc[]
): Promise<void> {
  if (candles.length === 0) return
  const tx = redis.multi()
  for (const candle of candles) addCandle(tx, keys, candle, JSON.stringify(candle))
  await tx.exec()
}

function addCandle(tx: ChainableCommander, keys: Keys, candle: Ohlc, json: string): void {
  const { exchange, symbol, interval, timestamp } = candle
  const key = keys.candles(exchange, symbol, interval)
  tx.zremrangebyscore(key, timestamp, timestamp)
  tx.zadd(key, timestamp, json)
  tx.zremrangebyrank(key, 0, -RETENTION.candlesKept - 1)
  tx.pexpire(key, RETENTION.candlesTtlMs)
  tx.pexpire(keys.candlesFrom(exchange, symbol, interval), RETENTION.candlesTtlMs)
}

/**
 * Records that the candle cache of a series is contiguous from `openTime` up to now; set by the
 * ingestor after a REST backfill, kept alive by every candle written to the series.
 */
export async function markCandlesFrom(
  redis: Redis,
  keys: Keys,
  series: {
    exchange: Parameters<Keys['candles']>[0]
    symbol: string
    interval: Parameters<Keys['candles']>[2]
  },
  openTime: number
): Promise<void> {
  await redis.set(
    keys.candlesFrom(series.exchange, series.symbol, series.interval),
    String(openTime),
    'PX',
    RETENTION.candlesTtlMs
  )
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
