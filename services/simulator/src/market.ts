import {
  binanceEvents,
  binanceStreamName,
  nextOpenTime,
  type FakeBinance,
} from '@takashi/fakes/binance'
import {
  HISTORY_LENGTH,
  applyTrade,
  emptyCandle,
  generateHistory,
  toKlineEvent,
  toKlineRow,
  type Candle,
} from './candles.ts'
import {
  OI_PERIODS,
  createDerivatives,
  fundingRateText,
  nextFundingTime,
  recordBoundaries,
  stepDerivatives,
} from './derivatives.ts'
import {
  TRADE_VOLATILITY,
  formatPrice,
  formatQuantity,
  profileFor,
  roundPrice,
  roundQuantity,
} from './profile.ts'
import type { Random } from './random.ts'

/** Chance that a trade is a whale print worth more than $100k. */
const LARGE_TRADE_CHANCE = 1 / 40

export interface SymbolMarket {
  symbol: string
  /** one aggregated trade now: aggTrade + a kline update for every interval */
  trade(now: number): void
  /** the once-a-second work: candle closes, mark price, open interest, funding, liquidations */
  second(now: number): void
  /** the last traded price */
  price(): number
}

/** One symbol's random walk, published through the fake venue's streams and REST state. */
export function createSymbolMarket(deps: {
  venue: FakeBinance
  symbol: string
  intervals: readonly string[]
  random: Random
  now: number
}): SymbolMarket {
  const { venue, symbol, intervals, random } = deps
  const profile = profileFor(symbol)
  let price = profile.basePrice * random.between(0.97, 1.03)
  // ids grow with wall time, so a restarted simulator never repeats an earlier trade id
  let aggTradeId = Math.floor(deps.now / 100)
  let tradeId = Math.floor(deps.now / 25)
  let lastSecond = deps.now
  let nextLiquidationAt = deps.now + random.between(5_000, 10_000)

  const candles = new Map<string, Candle>()
  for (const interval of intervals) {
    const history = generateHistory(profile, interval, deps.now, roundPrice(profile, price), random)
    venue.rest.setKlines(
      symbol,
      interval,
      history.map((candle) => toKlineRow(profile, interval, candle))
    )
    candles.set(interval, history[history.length - 1]!)
  }

  const derivatives = createDerivatives(profile, deps.now, price, random)
  venue.rest.setFundingHistory(symbol, derivatives.fundingHistory)
  for (const period of OI_PERIODS) {
    venue.rest.setOpenInterestHist(symbol, period, derivatives.oiHistory.get(period) ?? [])
  }
  publishSnapshots(deps.now, price)

  function publishSnapshots(now: number, markPrice: number): void {
    venue.rest.setOpenInterest(symbol, {
      openInterest: derivatives.openInterest.toFixed(3),
      time: now,
    })
    venue.rest.setPremiumIndex(symbol, {
      markPrice: markPrice.toFixed(8),
      indexPrice: price.toFixed(8),
      lastFundingRate: fundingRateText(derivatives.fundingRate),
      nextFundingTime: nextFundingTime(now),
      time: now,
    })
  }

  /** Closes every candle whose period ended (empty ones too) and opens its successor. */
  function rollCandles(now: number): void {
    for (const interval of intervals) {
      let candle = candles.get(interval)!
      while (now >= nextOpenTime(interval, candle.openTime)) {
        const closeAt = nextOpenTime(interval, candle.openTime)
        venue.emit(
          binanceStreamName.kline(symbol, interval),
          toKlineEvent(profile, interval, candle, true, now)
        )
        venue.rest.upsertKline(
          symbol,
          interval,
          toKlineRow(profile, interval, candle),
          HISTORY_LENGTH
        )
        candle = emptyCandle(closeAt, candle.c)
        candles.set(interval, candle)
        venue.rest.upsertKline(
          symbol,
          interval,
          toKlineRow(profile, interval, candle),
          HISTORY_LENGTH
        )
      }
    }
  }

  function tradeNotional(): number {
    if (random.chance(LARGE_TRADE_CHANCE))
      return Math.exp(random.between(Math.log(1.2e5), Math.log(2e6)))
    return Math.min(9e4, Math.exp(Math.log(2_500) + 1.1 * random.gaussian()))
  }

  return {
    symbol,
    price: () => price,

    trade(now) {
      rollCandles(now)
      const pull = Math.log(profile.basePrice / price) * 0.0005
      const step = pull + TRADE_VOLATILITY * random.gaussian()
      price *= Math.exp(step)
      const tradePrice = roundPrice(profile, price)
      const quantity = roundQuantity(profile, tradeNotional() / tradePrice)
      const fills = 1 + Math.floor(random.next() * 3)
      const first = tradeId
      tradeId += fills
      aggTradeId += 1
      const takerBuy = step >= 0
      venue.emit(
        binanceStreamName.aggTrade(symbol),
        binanceEvents.aggTrade({
          symbol,
          price: formatPrice(profile, tradePrice),
          qty: formatQuantity(profile, quantity),
          // buyer is maker → the taker sold
          buyerIsMaker: !takerBuy,
          id: aggTradeId,
          time: now,
          eventTime: now + 1 + Math.floor(random.next() * 4),
          firstTradeId: first,
          lastTradeId: tradeId - 1,
        })
      )
      const fill = {
        price: tradePrice,
        quantity,
        takerBuy,
        firstTradeId: first,
        lastTradeId: tradeId - 1,
      }
      for (const interval of intervals) {
        const candle = candles.get(interval)!
        applyTrade(candle, fill)
        venue.emit(
          binanceStreamName.kline(symbol, interval),
          toKlineEvent(profile, interval, candle, false, now)
        )
        venue.rest.upsertKline(
          symbol,
          interval,
          toKlineRow(profile, interval, candle),
          HISTORY_LENGTH
        )
      }
    },

    second(now) {
      rollCandles(now)
      stepDerivatives(derivatives, profile, random)
      const markPrice = price * (1 + 0.0002 * random.gaussian())
      venue.emit(
        binanceStreamName.markPrice(symbol),
        binanceEvents.markPrice({
          symbol,
          markPrice: markPrice.toFixed(8),
          indexPrice: price.toFixed(8),
          fundingRate: fundingRateText(derivatives.fundingRate),
          nextFundingTime: nextFundingTime(now),
          time: now,
        })
      )
      publishSnapshots(now, markPrice)
      const changed = recordBoundaries(derivatives, profile, lastSecond, now, markPrice)
      if (changed.funding) venue.rest.setFundingHistory(symbol, derivatives.fundingHistory)
      for (const period of changed.periods) {
        venue.rest.setOpenInterestHist(symbol, period, derivatives.oiHistory.get(period) ?? [])
      }
      lastSecond = now

      if (now >= nextLiquidationAt) {
        nextLiquidationAt = now + random.between(5_000, 10_000)
        // SELL closes a long: the forced order sells below the market, and a short's buys above
        const side = random.chance(0.55) ? 'SELL' : 'BUY'
        const away = side === 'SELL' ? -1 : 1
        const notional = Math.exp(random.between(Math.log(2_000), Math.log(400_000)))
        venue.emit(
          binanceStreamName.forceOrder(symbol),
          binanceEvents.forceOrder({
            symbol,
            side,
            price: formatPrice(profile, price * (1 + away * random.between(0.001, 0.006))),
            avgPrice: formatPrice(profile, price * (1 + away * 0.0003)),
            qty: formatQuantity(profile, notional / price),
            time: now,
          })
        )
      }
    },
  }
}
