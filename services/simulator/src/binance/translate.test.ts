import { describe, expect, test } from 'vitest'
import { applyTrade, emptyCandle } from '../market/candles.ts'
import { profileFor } from '../market/profile.ts'
import { toKlineRow } from './translate.ts'

const profile = profileFor('BTCUSDT')

describe('binance translator', () => {
  test('trades update high, low, close, volumes and the trade count; kline rows format as Binance does', () => {
    const candle = emptyCandle(Date.UTC(2026, 4, 1, 12, 34), 60_000)
    applyTrade(candle, {
      price: 60_010,
      quantity: 0.5,
      takerBuy: true,
      firstTradeId: 10,
      lastTradeId: 12,
    })
    applyTrade(candle, {
      price: 59_990,
      quantity: 0.25,
      takerBuy: false,
      firstTradeId: 13,
      lastTradeId: 13,
    })
    expect(toKlineRow(profile, '1m', candle)).toEqual([
      Date.UTC(2026, 4, 1, 12, 34),
      '60000.00',
      '60010.00',
      '59990.00',
      '59990.00',
      '0.750',
      Date.UTC(2026, 4, 1, 12, 35) - 1,
      '45002.50000',
      4,
      '0.500',
      '30005.00000',
      '0',
    ])
  })
})
