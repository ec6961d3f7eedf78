import { describe, expect, test } from 'vitest'
import { DEFAULT_FILTERS, readFilters, writeFilters } from '../page/filters.ts'

describe('the page filters in the URL', () => {
  test('a plain /ui is the default view, and writes back as nothing', () => {
    expect(readFilters('')).toEqual(DEFAULT_FILTERS)
    expect(writeFilters(DEFAULT_FILTERS)).toBe('')
  })

  test('read and written back unchanged; symbols are upper-cased, native forms kept', () => {
    const filters = readFilters('?symbol=eth-usdt-swap&exchange=okx&interval=15m')
    expect(filters).toEqual({ symbol: 'ETH-USDT-SWAP', exchange: 'okx', interval: '15m' })
    expect(readFilters(writeFilters(filters))).toEqual(filters)
  })

  test('unreadable values fall back to their defaults', () => {
    expect(readFilters('?symbol=<script>&exchange=kraken&interval=7m')).toEqual(DEFAULT_FILTERS)
    expect(readFilters('?exchange=')).toEqual(DEFAULT_FILTERS)
  })
})
