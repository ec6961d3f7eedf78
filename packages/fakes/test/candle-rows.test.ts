import { describe, expect, test } from 'vitest'
import { upsertCandleRow } from '../src/candle-rows.ts'

const openTime = (row: [number, string]) => row[0]

describe('upsertCandleRow', () => {
  test('the open candle is replaced, the next appended, a late one put in order', () => {
    const rows: [number, string][] = [
      [0, 'a'],
      [60, 'b'],
    ]
    upsertCandleRow(rows, [60, 'b2'], openTime)
    upsertCandleRow(rows, [120, 'c'], openTime)
    upsertCandleRow(rows, [30, 'late'], openTime)
    upsertCandleRow(rows, [0, 'a2'], openTime)
    upsertCandleRow(rows, [-60, 'first'], openTime)
    expect(rows).toEqual([
      [-60, 'first'],
      [0, 'a2'],
      [30, 'late'],
      [60, 'b2'],
      [120, 'c'],
    ])
  })

  test('keeps the newest maxRows', () => {
    const rows: [number, string][] = []
    for (let i = 0; i < 5; i++) upsertCandleRow(rows, [i, String(i)], openTime, 3)
    expect(rows.map(openTime)).toEqual([2, 3, 4])
    expect(upsertCandleRow([], [1, 'x'], openTime, 0)).toEqual([])
  })
})
