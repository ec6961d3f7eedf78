import { LRUCache } from 'lru-cache'
import { INTERVAL_MS, type Ohlc } from '@takashi/schemas'
import type { FetchRequest } from '@takashi/bus'

type CandleRequest = Extract<FetchRequest, { kind: 'ohlc' }>

/**
 * True when every candle the window can hold has closed, so its answer can never change: it
 * ends before the open candle of now. A window without start or end is "the latest" and moves.
 */
export function isClosedWindow(request: CandleRequest, now: number): boolean {
  const step = INTERVAL_MS[request.interval]
  const openNow = now - (now % step)
  if (request.end_time !== undefined) return request.end_time < openNow
  if (request.start_time === undefined) return false
  return request.start_time + request.limit * step <= openNow
}

/**
 * Closed-candle windows fetched for clients, kept in this ingestor's memory (bounded by bytes,
 * least recently used first out), so the same old window asked twice reaches the exchange once.
 */
export function createClosedWindows(options: { maxBytes?: number; ttlMs?: number } = {}) {
  const cache = new LRUCache<string, Ohlc[]>({
    maxSize: options.maxBytes ?? 32 * 1024 * 1024,
    // ~250 bytes a candle as JSON
    sizeCalculation: (candles) => Math.max(1, candles.length * 250),
    ttl: options.ttlMs ?? 60 * 60_000,
  })
  return {
    get: (id: string) => cache.get(id),
    set(id: string, candles: Ohlc[]): void {
      if (candles.length > 0 && candles.every((candle) => candle.closed)) cache.set(id, candles)
    },
    get size(): number {
      return cache.size
    },
  }
}
