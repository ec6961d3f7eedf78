import { describe, expect, test } from 'vitest'
import { createEventBuffer, DEFAULT_EVENT_BUFFER_LIMITS } from './event-buffer.ts'

describe('event buffer', () => {
  test('holds the contract: 10,000 events, at least 30 s', () => {
    expect(DEFAULT_EVENT_BUFFER_LIMITS.capacity).toBeGreaterThanOrEqual(10_000)
    expect(DEFAULT_EVENT_BUFFER_LIMITS.maxAgeMs).toBeGreaterThanOrEqual(30_000)
  })

  test('keeps order and hands out batches until acknowledged', () => {
    const buffer = createEventBuffer<number>({ capacity: 10, maxAgeMs: 1_000 })
    for (let i = 1; i <= 5; i++) expect(buffer.push(i, 0)).toBe(true)
    expect(buffer.peek(3)).toEqual([1, 2, 3])
    // a failed write acknowledges nothing: the same batch comes again
    expect(buffer.peek(3)).toEqual([1, 2, 3])
    buffer.ack(3)
    expect(buffer.size).toBe(2)
    expect(buffer.peek(10)).toEqual([4, 5])
    buffer.ack(10)
    expect(buffer.size).toBe(0)
    expect(buffer.peek(1)).toEqual([])
  })

  test('over capacity the newest event is refused, the held ones stay', () => {
    const buffer = createEventBuffer<number>({ capacity: 10_000, maxAgeMs: 60_000 })
    let refused = 0
    for (let i = 0; i < 10_250; i++) if (!buffer.push(i, i)) refused++
    expect(refused).toBe(250)
    expect(buffer.size).toBe(10_000)
    expect(buffer.peek(2)).toEqual([0, 1])
    buffer.ack(1)
    expect(buffer.push(-1, 20_000)).toBe(true)
    expect(buffer.size).toBe(10_000)
  })

  test('drops events older than the age limit, oldest first', () => {
    const buffer = createEventBuffer<string>({ capacity: 100, maxAgeMs: 30_000 })
    buffer.push('a', 0)
    buffer.push('b', 10_000)
    buffer.push('c', 40_000)
    expect(buffer.expire(30_000)).toBe(0)
    expect(buffer.expire(40_001)).toBe(2)
    expect(buffer.peek(5)).toEqual(['c'])
  })

  test('memory follows the live size after many acknowledgements', () => {
    const buffer = createEventBuffer<number>({ capacity: 100, maxAgeMs: 1_000 })
    for (let i = 0; i < 50_000; i++) {
      buffer.push(i, 0)
      buffer.ack(1)
    }
    expect(buffer.size).toBe(0)
    buffer.push(7, 0)
    expect(buffer.peek(1)).toEqual([7])
  })
})
