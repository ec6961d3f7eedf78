import { applyTrade, emptyCandle, generateHistory, nextOpenTime, type Candle } from './candles.ts'
import {
  createDerivatives,
  fundingPerInterval,
  nextFundingTime,
  recordBoundaries,
  stepDerivatives,
  type FundingSettlement,
  type OpenInterestPoint,
} from './derivatives.ts'
import type { DrivenMarket } from './drive.ts'
import { profileFor, roundPrice, TRADE_VOLATILITY, type SymbolProfile } from './profile.ts'
import type { Random } from './random.ts'

/** Chance that a trade is a whale print worth more than $100k. */
const LARGE_TRADE_CHANCE = 1 / 40

/** One taker order: 1–3 fills at one price, `quantity` in base units (whole lots). */
export interface MarketTrade {
  time: number
  /** when the venue publishes it: a few ms after `time` */
  publishedAt: number
  price: number
  quantity: number
  /** how many fills of `quantity / fills` each */
  fills: number
  takerBuy: boolean
  /** the order's sequence number; it and the fill ids grow with wall time, so restarts never repeat one */
  orderId: number
  firstTradeId: number
  lastTradeId: number
}

/** The once-a-second state of the derivatives: mark and index price, open interest, funding. */
export interface MarketTick {
  time: number
  /** the last traded price, used as the index */
  price: number
  markPrice: number
  /** base units */
  openInterest: number
  /** per funding interval of the venue */
  fundingRate: number
  nextFundingTime: number
  fundingIntervalMs: number
}

/** A forced order closing a position; `price` is the bankruptcy price, away from the market. */
export interface MarketLiquidation {
  time: number
  /** the liquidated position */
  side: 'long' | 'short'
  price: number
  /** the average fill, close to the market */
  averagePrice: number
  quantity: number
}

/** What a candle did: a trade changed it, its period ended, or it opened (empty). */
export type CandleChange = 'update' | 'closed' | 'opened'

/** The state at start, for a venue's REST history. */
export interface MarketSnapshot {
  /** per interval, oldest first; the last candle is the open one */
  candles: Map<string, Candle[]>
  fundingHistory: readonly FundingSettlement[]
  oiHistory: ReadonlyMap<string, readonly OpenInterestPoint[]>
  tick: MarketTick
}

/** A venue translator: turns the model's events into one exchange's frames and REST state. */
export interface MarketListener {
  start(snapshot: MarketSnapshot): void
  trade(trade: MarketTrade): void
  candle(interval: string, candle: Candle, change: CandleChange, time: number): void
  tick(tick: MarketTick): void
  /** after a settlement was appended */
  funding?(history: readonly FundingSettlement[]): void
  /** after a row was appended to a period's history */
  openInterestHistory?(period: string, rows: readonly OpenInterestPoint[]): void
  liquidation?(liquidation: MarketLiquidation): void
}

export interface MarketOptions {
  symbol: string
  intervals: readonly string[]
  random: Random
  /** the start time */
  now: number
  /** smallest quantity step, base units; default one unit of the symbol's precision */
  lotSize?: number
  /** settlement cadence; default 8 h */
  fundingIntervalMs?: number
  /** open interest history periods to keep; default every Binance period */
  oiPeriods?: readonly string[]
  /** trading activity relative to a major (1, the default: about 5 trades a second) */
  activity?: number
  /** rows of history: candles per interval, open interest per period, funding; default 1000/500 */
  historyLength?: number
}

/**
 * One symbol's random walk: trades, candles of every interval, mark price, open interest,
 * funding and liquidations, told to `listener` as they happen. Knows no venue's format.
 */
export function createMarket(options: MarketOptions, listener: MarketListener): DrivenMarket {
  const { symbol, intervals, random } = options
  const activity = options.activity ?? 1
  const profile: SymbolProfile = profileFor(symbol)
  const lot = options.lotSize ?? 10 ** -profile.quantityDecimals
  const toLots = (quantity: number) => Math.max(1, Math.round(quantity / lot))
  const lots = (count: number) => Number((count * lot).toFixed(profile.quantityDecimals + 6))
  let price = profile.basePrice * random.between(0.97, 1.03)
  // ids grow with wall time, so a restarted simulator never repeats an earlier trade id
  let orderId = Math.floor(options.now / 100)
  let tradeId = Math.floor(options.now / 25)
  let lastSecond = options.now
  // a quieter market is liquidated as much less often as it trades less
  const liquidationGap = (min: number, max: number) => random.between(min, max) / activity
  let nextLiquidationAt = options.now + liquidationGap(2_000, 6_000)

  const candles = new Map<string, Candle>()
  const histories = new Map<string, Candle[]>()
  for (const interval of intervals) {
    const start = roundPrice(profile, price)
    const history = generateHistory(
      profile,
      interval,
      options.now,
      start,
      random,
      options.historyLength
    )
    histories.set(interval, history)
    candles.set(interval, history[history.length - 1]!)
  }
  const derivatives = createDerivatives(profile, options.now, price, random, options)

  function tick(time: number, markPrice: number): MarketTick {
    return {
      time,
      price,
      markPrice,
      openInterest: derivatives.openInterest,
      fundingRate: fundingPerInterval(derivatives),
      nextFundingTime: nextFundingTime(time, derivatives.fundingIntervalMs),
      fundingIntervalMs: derivatives.fundingIntervalMs,
    }
  }
  listener.start({
    candles: histories,
    fundingHistory: derivatives.fundingHistory,
    oiHistory: derivatives.oiHistory,
    tick: tick(options.now, price),
  })

  /** Closes every candle whose period ended (empty ones too) and opens its successor. */
  function rollCandles(now: number): void {
    for (const interval of intervals) {
      let candle = candles.get(interval)!
      while (now >= nextOpenTime(interval, candle.openTime)) {
        listener.candle(interval, candle, 'closed', now)
        candle = emptyCandle(nextOpenTime(interval, candle.openTime), candle.c)
        candles.set(interval, candle)
        listener.candle(interval, candle, 'opened', now)
      }
    }
  }

  function tradeNotional(): number {
    if (random.chance(LARGE_TRADE_CHANCE))
      return Math.exp(random.between(Math.log(1.2e5), Math.log(2e6)))
    return Math.min(9e4, Math.exp(Math.log(2_500) + 1.1 * random.gaussian()))
  }

  function liquidate(now: number): void {
    nextLiquidationAt = now + liquidationGap(5_000, 10_000)
    // a long is closed by selling below the market, a short by buying above it
    const side = random.chance(0.55) ? 'long' : 'short'
    const away = side === 'long' ? -1 : 1
    const notional = Math.exp(random.between(Math.log(2_000), Math.log(400_000)))
    listener.liquidation?.({
      time: now,
      side,
      price: roundPrice(profile, price * (1 + away * random.between(0.002, 0.01))),
      averagePrice: roundPrice(profile, price * (1 + away * 0.0003)),
      quantity: lots(toLots(notional / price)),
    })
  }

  return {
    activity,
    trade(now) {
      rollCandles(now)
      const pull = Math.log(profile.basePrice / price) * 0.0005
      const step = pull + TRADE_VOLATILITY * random.gaussian()
      price *= Math.exp(step)
      const tradePrice = roundPrice(profile, price)
      const fills = 1 + Math.floor(random.next() * 3)
      const perFill = Math.max(1, Math.round(toLots(tradeNotional() / tradePrice) / fills))
      orderId += 1
      const firstTradeId = tradeId + 1
      tradeId += fills
      const trade: MarketTrade = {
        time: now,
        publishedAt: now + 1 + Math.floor(random.next() * 4),
        price: tradePrice,
        quantity: lots(perFill * fills),
        fills,
        takerBuy: step >= 0,
        orderId,
        firstTradeId,
        lastTradeId: tradeId,
      }
      listener.trade(trade)
      for (const interval of intervals) {
        const candle = candles.get(interval)!
        applyTrade(candle, trade)
        listener.candle(interval, candle, 'update', now)
      }
    },

    second(now) {
      rollCandles(now)
      stepDerivatives(derivatives, profile, random)
      const markPrice = price * (1 + 0.0002 * random.gaussian())
      listener.tick(tick(now, markPrice))
      const changed = recordBoundaries(derivatives, profile, lastSecond, now, markPrice)
      if (changed.funding) listener.funding?.(derivatives.fundingHistory)
      for (const period of changed.periods)
        listener.openInterestHistory?.(period, derivatives.oiHistory.get(period) ?? [])
      lastSecond = now
      if (now >= nextLiquidationAt) liquidate(now)
    },
  }
}
