// What the REST benchmark serves: the routes, and the cache a running ingestor would have
// written for Binance BTCUSDT, seeded through the bus like an ingestor does.
import { markCandlesFrom, publishRecords, type Keys, type Redis } from '@takashi/bus'
import type { NormalizedRecord, Ohlc } from '@takashi/schemas'

/** The benchmarked routes, as requested (the ohlc one is a cache hit once seeded). */
export const ROUTES = {
  ohlc: '/binance/ohlc/BTCUSDT/1m?limit=100',
  open_interest: '/binance/open-interest/BTCUSDT',
  funding_rate: '/binance/funding-rate/BTCUSDT',
} as const
export type RouteName = keyof typeof ROUTES

const CLOSED_CANDLES = 150
const MINUTE = 60_000

/**
 * Publishes 150 closed 1m candles and the open one, an open-interest and a funding-rate record,
 * and marks the candle cache contiguous from the oldest candle (as the ingestor's backfill does).
 */
export async function seedCache(redis: Redis, keys: Keys, now = Date.now()): Promise<void> {
  const open = now - (now % MINUTE)
  const first = open - CLOSED_CANDLES * MINUTE
  const records: NormalizedRecord[] = []
  let price = 64_000
  for (let i = 0; i <= CLOSED_CANDLES; i++) {
    const timestamp = first + i * MINUTE
    const close = Math.round((price + Math.sin(i / 7) * 40 + (i % 5) * 3.1) * 10) / 10
    const volume = Math.round((80 + ((i * 37) % 50) + 0.123) * 1000) / 1000
    const candle: Ohlc = {
      exchange: 'binance',
      symbol: 'BTCUSDT',
      interval: '1m',
      timestamp,
      received_at: Math.min(now, timestamp + MINUTE + 180),
      open: price,
      high: Math.max(price, close) + 12.4,
      low: Math.min(price, close) - 9.8,
      close,
      volume,
      quote_volume: Math.round(volume * close * 100) / 100,
      trades: 1_200 + ((i * 53) % 700),
      closed: i < CLOSED_CANDLES,
    }
    records.push({ kind: 'ohlc', record: candle })
    price = close
  }
  const common = {
    exchange: 'binance',
    symbol: 'BTCUSDT',
    timestamp: now - 800,
    received_at: now,
  } as const
  records.push({
    kind: 'open_interest',
    record: { ...common, open_interest: 81_234.567, open_interest_usd: 81_234.567 * price },
  })
  records.push({
    kind: 'funding_rate',
    record: {
      ...common,
      funding_rate: 0.0001,
      interval_hours: 8,
      next_funding_time: now - (now % 28_800_000) + 28_800_000,
      mark_price: price,
    },
  })
  await publishRecords(redis, keys, records)
  await markCandlesFrom(
    redis,
    keys,
    { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' },
    first
  )
}

/** Extends the TTL of every seeded key, without rewriting anything, so a long run stays a hit. */
export async function keepCacheAlive(redis: Redis, keys: Keys, ttlMs = 30 * MINUTE): Promise<void> {
  await redis
    .multi()
    .pexpire(keys.candles('binance', 'BTCUSDT', '1m'), ttlMs)
    .pexpire(keys.candlesFrom('binance', 'BTCUSDT', '1m'), ttlMs)
    .pexpire(keys.latest('open-interest', 'binance', 'BTCUSDT'), ttlMs)
    .pexpire(keys.latest('funding-rate', 'binance', 'BTCUSDT'), ttlMs)
    .exec()
}
