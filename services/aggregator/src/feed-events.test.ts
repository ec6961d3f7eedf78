import { describe, expect, test } from 'vitest'
import type { LargeTrade, Liquidation } from '@takashi/schemas'
import { toFeedEvent } from './feed-events.ts'

const floors = { largeTradeMinUsd: 100_000, liquidationMinUsd: 0 }
const trade: LargeTrade = {
  exchange: 'binance',
  symbol: 'BTCUSDT',
  timestamp: 1,
  received_at: 2,
  id: 'binance:BTCUSDT:7',
  side: 'buy',
  price: 50_000,
  quantity: 2,
  value_usd: 100_000,
  trade_id: '7',
}

describe('toFeedEvent', () => {
  test('a trade at the floor is large; its derived id becomes the dedupe key', () => {
    const event = toFeedEvent('trades', trade, floors)
    expect(event).toMatchObject({
      feed: 'large-trades',
      eventId: 'binance:BTCUSDT:7',
      symbol: 'BTCUSDT',
    })
    expect(JSON.parse(event?.body ?? '{}')).not.toHaveProperty('id')
    expect(JSON.parse(event?.body ?? '{}')).toMatchObject({
      side: 'buy',
      value_usd: 100_000,
      trade_id: '7',
    })
  })

  test('a trade below the floor stays out', () => {
    expect(toFeedEvent('trades', { ...trade, value_usd: 99_999.99 }, floors)).toBeNull()
  })

  test('liquidations use their own floor', () => {
    const liquidation: Liquidation = {
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: 1,
      received_at: 2,
      id: 'x',
      side: 'long',
      price: 1,
      quantity: 5,
      value_usd: 5,
    }
    expect(toFeedEvent('liquidations', liquidation, floors)?.feed).toBe('liquidations')
    expect(
      toFeedEvent('liquidations', liquidation, { ...floors, liquidationMinUsd: 10 })
    ).toBeNull()
  })
})
