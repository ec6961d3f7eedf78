import { describe, expect, test } from 'vitest'
import { batchFor, createRoundRobin } from './round-robin.ts'

describe('createRoundRobin', () => {
  test('hands out each symbol in turn, wrapping round', () => {
    const next = createRoundRobin(['A', 'B', 'C', 'D', 'E'], 2)
    expect([next(), next(), next(), next()]).toEqual([
      ['A', 'B'],
      ['C', 'D'],
      ['E', 'A'],
      ['B', 'C'],
    ])
  })

  test('a batch larger than the list gives the list once; an empty list gives nothing', () => {
    expect(createRoundRobin(['A', 'B'], 10)()).toEqual(['A', 'B'])
    expect(createRoundRobin([], 3)()).toEqual([])
  })
})

describe('batchFor', () => {
  test('spreads a per-minute allowance over the runs of a minute, one at least', () => {
    expect(batchFor(300, 10_000)).toBe(50)
    expect(batchFor(1, 1_000)).toBe(1)
  })
})
