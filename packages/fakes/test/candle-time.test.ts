import { describe, expect, test } from 'vitest'
import { candleOpenAt, MONDAY_WEEKS, nextCandleOpen } from '../src/candle-time.ts'

describe('candle boundaries', () => {
  const time = Date.UTC(2025, 1, 13, 17, 42, 5) // Thursday 2025-02-13

  test('fixed intervals open on multiples of their length from the epoch', () => {
    expect(candleOpenAt('15m', time)).toBe(Date.UTC(2025, 1, 13, 17, 30))
    expect(candleOpenAt('6h', time)).toBe(Date.UTC(2025, 1, 13, 12))
    expect(nextCandleOpen('4h', Date.UTC(2025, 1, 13, 16))).toBe(Date.UTC(2025, 1, 13, 20))
  })

  test('weeks open on Thursday by default and on Monday with the Monday offset', () => {
    expect(candleOpenAt('1w', time)).toBe(Date.UTC(2025, 1, 13))
    expect(candleOpenAt('1w', time, MONDAY_WEEKS)).toBe(Date.UTC(2025, 1, 10))
  })

  test('months follow the calendar; unknown intervals are refused', () => {
    expect(candleOpenAt('1M', time)).toBe(Date.UTC(2025, 1, 1))
    expect(nextCandleOpen('1M', Date.UTC(2025, 1, 1))).toBe(Date.UTC(2025, 2, 1))
    expect(() => nextCandleOpen('7m', time)).toThrow('unknown candle interval 7m')
  })
})
