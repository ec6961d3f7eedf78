import type { Random } from './random.ts'

/** What the clock drives in every simulated venue's market. */
export interface DrivenMarket {
  /** trading activity relative to a major: scales the chance of a trade in each tick */
  activity: number
  /** one taker trade now */
  trade(time: number): void
  /** once a second: candles, mark price, open interest, funding */
  second(time: number): void
}

// ~5 trades a second per market: a trade in half the 100 ms ticks, now and then a burst
const TICK_MS = 100
const TRADE_CHANCE = 0.5
const BURST_CHANCE = 0.03

/** Runs the markets on timers; returns the function that stops them. */
export function driveMarkets(
  markets: readonly DrivenMarket[],
  random: Random,
  now: () => number
): () => void {
  const trading = setInterval(() => {
    const time = now()
    for (const market of markets) {
      if (random.chance(TRADE_CHANCE * market.activity)) market.trade(time)
      if (random.chance(BURST_CHANCE * market.activity))
        for (let i = 0; i < 3; i++) market.trade(time)
    }
  }, TICK_MS)
  const seconds = setInterval(() => {
    const time = now()
    for (const market of markets) market.second(time)
  }, 1_000)
  return () => {
    clearInterval(trading)
    clearInterval(seconds)
  }
}
