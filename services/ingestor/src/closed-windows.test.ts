import { describe, expect, it } from 'vitest'
import { ohlc } from '@takashi/testing'
import { createClosedWindows, isClosedWindow } from './closed-windows.ts'

const MINUTE = 60_000
const NOW = 1_700_000_130_000 // 10 s into a minute
const openNow = NOW - (NOW % MINUTE)
const window = (extra: { start_time?: number; end_time?: number }, limit = 10) => ({
  kind: 'ohlc' as const,
  symbol: 'BTCUSDT',
  interval: '1m' as const,
  limit,
  ...extra,
})

describe('closed windows', () => {
  it('a window is closed when it ends before the open candle of now', () => {
    expect(isClosedWindow(window({ end_time: openNow - MINUTE }), NOW)).toBe(true)
    expect(isClosedWindow(window({ end_time: openNow }), NOW)).toBe(false)
    expect(isClosedWindow(window({ start_time: openNow - 10 * MINUTE }), NOW)).toBe(true)
    expect(isClosedWindow(window({ start_time: openNow - 9 * MINUTE }), NOW)).toBe(false)
    // the latest window moves
    expect(isClosedWindow(window({}), NOW)).toBe(false)
  })

  it('keeps only windows whose candles all closed, within its byte bound', () => {
    const cache = createClosedWindows({ maxBytes: 250 * 25 })
    const candle = (timestamp: number, closed = true) => ohlc({ timestamp, interval: '1m', closed })
    cache.set('a', [candle(0), candle(MINUTE)])
    cache.set('open', [candle(0), candle(MINUTE, false)])
    expect(cache.get('a')).toHaveLength(2)
    expect(cache.get('open')).toBeUndefined()
    // 25 candles fit: a window of 20 more pushes the oldest out
    cache.set(
      'b',
      Array.from({ length: 20 }, (_, i) => candle(i * MINUTE))
    )
    cache.set(
      'c',
      Array.from({ length: 5 }, (_, i) => candle(i * MINUTE))
    )
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('b')).toHaveLength(20)
    expect(cache.get('c')).toHaveLength(5)
  })
})
