import { describe, expect, test } from 'vitest'
import { HISTORY_LENGTH, generateHistory } from './candles.ts'
import { profileFor } from './profile.ts'
import { createRandom } from './random.ts'

const profile = profileFor('BTCUSDT')
const now = Date.UTC(2026, 4, 1, 12, 34, 56)

describe('candles', () => {
  test('history: contiguous periods ending with the open candle at the live price', () => {
    const history = generateHistory(profile, '5m', now, 60_000, createRandom(7))
    expect(history).toHaveLength(HISTORY_LENGTH)
    expect(history.at(-1)).toMatchObject({
      openTime: Date.UTC(2026, 4, 1, 12, 30),
      o: 60_000,
      n: 0,
    })
    history.slice(1).forEach((candle, index) => {
      expect(candle.openTime - history[index]!.openTime).toBe(300_000)
      expect(candle.o).toBe(history[index]!.c)
    })
    for (const candle of history) {
      expect(candle.h).toBeGreaterThanOrEqual(Math.max(candle.o, candle.c))
      expect(candle.l).toBeLessThanOrEqual(Math.min(candle.o, candle.c))
    }
  })

  test('the same seed gives the same history', () => {
    const first = generateHistory(profile, '1h', now, 60_000, createRandom(3))
    const second = generateHistory(profile, '1h', now, 60_000, createRandom(3))
    expect(second).toEqual(first)
  })
})
