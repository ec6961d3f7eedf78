import { describe, expect, test } from 'vitest'
import { isSuperseded } from './initial.ts'

const record = (received_at: number, close = 1) => JSON.stringify({ received_at, close })

describe('isSuperseded', () => {
  test('the same record as the initial value is dropped', () => {
    expect(isSuperseded(Buffer.from(record(5)), record(5))).toBe(true)
  })
  test('a record received before the initial value is dropped, a later one is kept', () => {
    expect(isSuperseded(Buffer.from(record(4, 2)), record(5))).toBe(true)
    expect(isSuperseded(Buffer.from(record(6, 2)), record(5))).toBe(false)
    expect(isSuperseded(Buffer.from(record(5, 2)), record(5))).toBe(false)
  })
  test('records without received_at are kept', () => {
    expect(isSuperseded(Buffer.from('{"close":2}'), record(5))).toBe(false)
  })
})
