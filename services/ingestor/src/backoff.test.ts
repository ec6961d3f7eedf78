import { describe, expect, test } from 'vitest'
import { backoffDelay, createSampler, parseRetryAfter } from './backoff.ts'

describe('backoffDelay', () => {
  const options = { baseMs: 1000, maxMs: 30_000, random: () => 1 }

  test('doubles from the base up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, options))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })

  test('is a uniform pick below the ceiling (full jitter)', () => {
    expect(backoffDelay(3, { ...options, random: () => 0.25 })).toBe(1000)
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  test('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7000)
    expect(parseRetryAfter(['2'])).toBe(2000)
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60_000)
  })

  test('ignores missing or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})

test('createSampler lets one call through per window and reports the skipped ones', () => {
  let clock = 0
  const sample = createSampler(10_000, () => clock)
  const seen: number[] = []
  for (const at of [0, 1000, 2000, 10_000, 15_000, 20_001]) {
    clock = at
    sample((skipped) => seen.push(skipped))
  }
  expect(seen).toEqual([0, 2, 1])
})
