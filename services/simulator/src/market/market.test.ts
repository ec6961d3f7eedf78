import { describe, expect, test } from 'vitest'
import { HISTORY_LENGTH } from './candles.ts'
import {
  createMarket,
  type CandleChange,
  type MarketListener,
  type MarketLiquidation,
  type MarketSnapshot,
  type MarketTick,
  type MarketTrade,
} from './market.ts'
import { createRandom } from './random.ts'

const minute = Date.UTC(2026, 4, 1, 12, 34)

function recorder() {
  const seen = {
    snapshot: undefined as MarketSnapshot | undefined,
    trades: [] as MarketTrade[],
    candles: [] as { interval: string; openTime: number; change: CandleChange }[],
    ticks: [] as MarketTick[],
    liquidations: [] as MarketLiquidation[],
  }
  const listener: MarketListener = {
    start: (snapshot) => (seen.snapshot = snapshot),
    trade: (trade) => seen.trades.push(trade),
    candle: (interval, candle, change) =>
      seen.candles.push({ interval, openTime: candle.openTime, change }),
    tick: (tick) => seen.ticks.push(tick),
    liquidation: (liquidation) => seen.liquidations.push(liquidation),
  }
  return { seen, listener }
}

describe('market model', () => {
  test('starts with full candle histories and the open candle at the start time', () => {
    const { seen, listener } = recorder()
    createMarket(
      { symbol: 'BTCUSDT', intervals: ['1m', '1h'], random: createRandom(1), now: minute + 5_000 },
      listener
    )
    expect(seen.snapshot?.candles.get('1m')).toHaveLength(HISTORY_LENGTH)
    expect(seen.snapshot?.candles.get('1m')?.at(-1)?.openTime).toBe(minute)
    expect(seen.snapshot?.candles.get('1h')?.at(-1)?.openTime).toBe(Date.UTC(2026, 4, 1, 12))
    expect(seen.snapshot?.tick.nextFundingTime).toBe(Date.UTC(2026, 4, 1, 16))
  })

  test('trades are whole lots with growing ids; a boundary closes the candle and opens the next', () => {
    const { seen, listener } = recorder()
    const market = createMarket(
      {
        symbol: 'BTCUSDT',
        intervals: ['1m'],
        random: createRandom(2),
        now: minute + 59_000,
        lotSize: 0.01,
      },
      listener
    )
    market.trade(minute + 59_500)
    market.trade(minute + 60_100)
    const [first, second] = seen.trades
    for (const trade of seen.trades) {
      expect(Math.abs(trade.quantity / 0.01 - Math.round(trade.quantity / 0.01))).toBeLessThan(1e-9)
      expect(trade.lastTradeId - trade.firstTradeId + 1).toBe(trade.fills)
    }
    expect(second!.firstTradeId).toBe(first!.lastTradeId + 1)
    expect(seen.candles.map(({ openTime, change }) => [openTime - minute, change])).toEqual([
      [0, 'update'],
      [0, 'closed'],
      [60_000, 'opened'],
      [60_000, 'update'],
    ])
  })

  test('every second a tick; liquidations every few seconds, away from the market', () => {
    const { seen, listener } = recorder()
    const market = createMarket(
      { symbol: 'ETHUSDT', intervals: [], random: createRandom(3), now: minute },
      listener
    )
    for (let s = 1; s <= 30; s++) market.second(minute + s * 1_000)
    expect(seen.ticks).toHaveLength(30)
    expect(seen.liquidations.length).toBeGreaterThanOrEqual(3)
    for (const liquidation of seen.liquidations) {
      const market = seen.ticks.find((tick) => tick.time === liquidation.time)!.price
      // a long is closed below the market, a short above it
      expect(Math.sign(liquidation.price - market)).toBe(liquidation.side === 'long' ? -1 : 1)
    }
  })
})
