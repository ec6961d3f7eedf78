import { describe, expect, test } from 'vitest'
import { formatAge, formatRate, formatUsd } from '../page/format.ts'

describe('how the page writes figures', () => {
  test('USD values are compact, unknown ones a dash', () => {
    expect(formatUsd(1_534_000)).toBe('$1.53M')
    expect(formatUsd(830_400)).toBe('$830.4K')
    expect(formatUsd(null)).toBe('–')
  })

  test('funding rates are percentages of the period', () => {
    expect(formatRate(0.0001)).toBe('0.0100%')
    expect(formatRate(-0.00025)).toBe('-0.0250%')
  })

  test('ages read as time ago', () => {
    expect([0, 12_400, 180_000, null].map(formatAge)).toEqual([
      'just now',
      '12 s ago',
      '3 min ago',
      'never',
    ])
  })
})
