import type { ExchangeId, Interval } from '@takashi/schemas'
import type { Keys, LatestKind } from './keys.ts'
import type { Redis } from './redis.ts'

export interface CandleQuery {
  limit: number
  start_time?: number | undefined
  end_time?: number | undefined
}

export interface CandleRead {
  /** the candles as a JSON array text, oldest first, exactly as the ingestor wrote them */
  body: string
  count: number
  /** true when the cache holds every candle the query asks for */
  covered: boolean
}

/**
 * Reads cached candles. With `start_time` the window starts there; without it the window is the
 * `limit` newest candles at or before `end_time`. The answer is `covered` only when the cache is
 * known to be contiguous over the whole window, so a partial cache never looks like the truth.
 */
export async function readCandles(
  redis: Redis,
  keys: Keys,
  series: { exchange: ExchangeId; symbol: string; interval: Interval },
  query: CandleQuery
): Promise<CandleRead> {
  const key = keys.candles(series.exchange, series.symbol, series.interval)
  const [[, fromText], [, members]] = (await redis
    .multi()
    .get(keys.candlesFrom(series.exchange, series.symbol, series.interval))
    .call('ZRANGE', ...zrangeArgs(key, query))
    .exec()) as [[null, string | null], [null, string[]]]
  const candles = query.start_time !== undefined ? members : members.reverse()
  const from = fromText === null ? undefined : Number(fromText)
  let covered = false
  if (from !== undefined) {
    if (query.start_time !== undefined) covered = query.start_time >= from
    else covered = candles.length === query.limit && openTimeOf(candles[0]) >= from
  }
  return { body: `[${candles.join(',')}]`, count: candles.length, covered }
}

function zrangeArgs(key: string, query: CandleQuery): string[] {
  const end = String(query.end_time ?? '+inf')
  const limit = ['LIMIT', '0', String(query.limit)]
  return query.start_time !== undefined
    ? [key, String(query.start_time), end, 'BYSCORE', ...limit]
    : [key, end, '-inf', 'BYSCORE', 'REV', ...limit]
}

function openTimeOf(json: string | undefined): number {
  if (json === undefined) return -Infinity
  return (JSON.parse(json) as { timestamp: number }).timestamp
}

/** The newest cached candle of a series as JSON text, or null. */
export async function readLatestCandle(
  redis: Redis,
  keys: Keys,
  series: { exchange: ExchangeId; symbol: string; interval: Interval }
): Promise<string | null> {
  const [latest] = await redis.zrange(
    keys.candles(series.exchange, series.symbol, series.interval),
    -1,
    -1
  )
  return latest ?? null
}

/** The latest OI or funding record as JSON text, or null when none is cached. */
export function readLatest(
  redis: Redis,
  keys: Keys,
  kind: LatestKind,
  exchange: ExchangeId,
  symbol: string
): Promise<string | null> {
  return redis.get(keys.latest(kind, exchange, symbol))
}

export interface HeartbeatRead {
  /** newest message time over all streams, or null when the ingestor has seen none */
  lastMessageAt: number | null
  /** when the ingestor last wrote its heartbeat, or null when it never did (or stopped long ago) */
  aliveAt: number | null
  streams: Record<string, number>
}

export async function readHeartbeat(
  redis: Redis,
  keys: Keys,
  exchange: ExchangeId
): Promise<HeartbeatRead> {
  const hash = await redis.hgetall(keys.heartbeat(exchange))
  const streams: Record<string, number> = {}
  let aliveAt: number | null = null
  let lastMessageAt: number | null = null
  for (const [name, value] of Object.entries(hash)) {
    const at = Number(value)
    if (name === '@alive') {
      aliveAt = at
      continue
    }
    streams[name] = at
    if (lastMessageAt === null || at > lastMessageAt) lastMessageAt = at
  }
  return { lastMessageAt, aliveAt, streams }
}
