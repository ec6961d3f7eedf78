import { describe, expect, test } from 'vitest'
import { chooseUniverse, sameSymbols } from './universe.ts'

const info = {
  symbols: new Set(['ETHUSDT', 'BTCUSDT', 'BTCUSDC', 'XUSDT']),
  unrepresentable: ['币安人生USDT'],
}
// an adapter that cannot subscribe XUSDT
const toNative = (symbol: string) => (symbol === 'XUSDT' ? null : symbol)

describe('chooseUniverse', () => {
  test('all: every listed USDT perpetual, sorted; USDC ones are not USDT-margined', () => {
    expect(chooseUniverse('all', info, toNative)).toEqual({
      symbols: ['BTCUSDT', 'ETHUSDT'],
      unlisted: [],
      unrepresentable: ['XUSDT', '币安人生USDT'],
    })
  })

  test('a list: the listed ones in the order given, the others reported unlisted', () => {
    expect(chooseUniverse(['SOLUSDT', 'ETHUSDT', 'BTCUSDC'], info, toNative)).toEqual({
      symbols: ['ETHUSDT', 'BTCUSDC'],
      unlisted: ['SOLUSDT'],
      unrepresentable: [],
    })
  })
})

describe('sameSymbols', () => {
  test('order does not matter, membership does', () => {
    expect(sameSymbols(['A', 'B'], ['B', 'A'])).toBe(true)
    expect(sameSymbols(['A', 'B'], ['A', 'C'])).toBe(false)
    expect(sameSymbols(['A'], ['A', 'B'])).toBe(false)
  })
})
