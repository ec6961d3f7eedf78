import {
  bybitEvents,
  bybitKlineRow,
  bybitTopic,
  nextCandleOpen,
  type BybitKlineRow,
  type BybitOpenInterestRow,
  type FakeBybit,
} from '@takashi/fakes/bybit'
import type { BinanceOpenInterestHistRow } from '@takashi/fakes/binance'
import {
  applyTrade,
  emptyCandle,
  generateHistory,
  HISTORY_LENGTH,
  type Candle,
} from '../candles.ts'
import {
  createDerivatives,
  nextFundingTime,
  recordBoundaries,
  stepDerivatives,
} from '../derivatives.ts'
import type { DrivenMarket } from '../drive.ts'
import {
  formatPrice,
  formatQuantity,
  profileFor,
  roundPrice,
  roundQuantity,
  TRADE_VOLATILITY,
  type SymbolProfile,
} from '../profile.ts'
import type { Random } from '../random.ts'

/** Chance that a trade is a whale print worth more than $100k. */
const LARGE_TRADE_CHANCE = 1 / 40
/** The open interest history periods Bybit serves, by its names. */
const OI_INTERVALS: Record<string, string> = {
  '5m': '5min',
  '15m': '15min',
  '30m': '30min',
  '1h': '1h',
  '4h': '4h',
  '1d': '1d',
}

/** Bybit counts open interest on both sides; `singleOpenInterest` is one side. */
function oiRows(rows: BinanceOpenInterestHistRow[]): BybitOpenInterestRow[] {
  return rows.map((row) => ({
    openInterest: (2 * Number(row.sumOpenInterest)).toFixed(3),
    singleOpenInterest: row.sumOpenInterest,
    timestamp: row.timestamp,
  }))
}

/** One symbol's random walk, published through the fake Bybit's topics and REST state. */
export function createBybitMarket(deps: {
  venue: FakeBybit
  symbol: string
  intervals: readonly string[]
  random: Random
  now: number
}): DrivenMarket {
  const { venue, symbol, intervals, random } = deps
  const profile: SymbolProfile = profileFor(symbol)
  let price = profile.basePrice * random.between(0.97, 1.03)
  let tradeCount = Math.floor(deps.now / 25)
  let lastSecond = deps.now
  let nextLiquidationAt = deps.now + random.between(2_000, 6_000)

  const kline = (interval: string, candle: Candle, confirm: boolean, now: number) =>
    bybitEvents.kline({
      interval,
      start: candle.openTime,
      ...prices(candle),
      confirm,
      timestamp: now,
    })
  const row = (interval: string, candle: Candle): BybitKlineRow =>
    bybitKlineRow({ interval, start: candle.openTime, ...prices(candle) })
  function prices(candle: Candle) {
    return {
      open: formatPrice(profile, candle.o),
      high: formatPrice(profile, candle.h),
      low: formatPrice(profile, candle.l),
      close: formatPrice(profile, candle.c),
      volume: candle.v.toFixed(profile.quantityDecimals),
      turnover: candle.q.toFixed(4),
    }
  }

  const candles = new Map<string, Candle>()
  for (const interval of intervals) {
    const history = generateHistory(profile, interval, deps.now, roundPrice(profile, price), random)
    venue.rest.setKlines(
      symbol,
      interval,
      history.map((candle) => row(interval, candle))
    )
    candles.set(interval, history[history.length - 1]!)
  }
  const derivatives = createDerivatives(profile, deps.now, price, random)
  for (const [period, name] of Object.entries(OI_INTERVALS)) {
    venue.rest.setOpenInterest(symbol, name, oiRows(derivatives.oiHistory.get(period) ?? []))
  }
  const tickerFields = (now: number, markPrice: number) => ({
    lastPrice: formatPrice(profile, price),
    markPrice: formatPrice(profile, markPrice),
    indexPrice: formatPrice(profile, price),
    openInterest: (2 * derivatives.openInterest).toFixed(3),
    openInterestValue: (2 * derivatives.openInterest * markPrice).toFixed(2),
    singleOpenInterest: derivatives.openInterest.toFixed(3),
    singleOpenInterestValue: (derivatives.openInterest * markPrice).toFixed(2),
    fundingRate: derivatives.fundingRate.toFixed(8),
    nextFundingTime: nextFundingTime(now),
    fundingIntervalHour: '8',
  })
  venue.rest.setTicker(symbol, tickerFields(deps.now, price))

  /** At each boundary the closing candle is confirmed and the next one opens. */
  function rollCandles(now: number): void {
    for (const interval of intervals) {
      let candle = candles.get(interval)!
      while (now >= nextCandleOpen(interval, candle.openTime)) {
        venue.emit(bybitTopic.kline(interval, symbol), [kline(interval, candle, true, now)])
        candle = emptyCandle(nextCandleOpen(interval, candle.openTime), candle.c)
        candles.set(interval, candle)
        venue.rest.upsertKline(symbol, interval, row(interval, candle), HISTORY_LENGTH)
      }
    }
  }

  function tradeNotional(): number {
    if (random.chance(LARGE_TRADE_CHANCE)) {
      return Math.exp(random.between(Math.log(1.2e5), Math.log(2e6)))
    }
    return Math.min(9e4, Math.exp(Math.log(2_500) + 1.1 * random.gaussian()))
  }

  function liquidate(now: number): void {
    nextLiquidationAt = now + random.between(5_000, 10_000)
    // Buy = a long was liquidated, at a bankruptcy price below the market; Sell = a short, above
    const side = random.chance(0.55) ? 'Buy' : 'Sell'
    const away = side === 'Buy' ? -1 : 1
    const notional = Math.exp(random.between(Math.log(2_000), Math.log(400_000)))
    venue.emit(bybitTopic.liquidations(symbol), [
      bybitEvents.liquidation({
        symbol,
        side,
        size: formatQuantity(profile, notional / price),
        price: formatPrice(profile, price * (1 + away * random.between(0.002, 0.01))),
        time: now,
      }),
    ])
  }

  return {
    trade(now) {
      rollCandles(now)
      const pull = Math.log(profile.basePrice / price) * 0.0005
      const step = pull + TRADE_VOLATILITY * random.gaussian()
      price *= Math.exp(step)
      const px = roundPrice(profile, price)
      const size = Math.max(
        roundQuantity(profile, tradeNotional() / px),
        10 ** -profile.quantityDecimals
      )
      const side = step >= 0 ? 'Buy' : 'Sell'
      tradeCount += 1
      const id = `00000000-0000-5000-8000-${tradeCount.toString(16).padStart(12, '0')}`
      venue.emit(bybitTopic.trades(symbol), [
        bybitEvents.trade({
          symbol,
          side,
          price: formatPrice(profile, px),
          size: formatQuantity(profile, size),
          time: now,
          id,
        }),
      ])
      const fill = {
        price: px,
        quantity: size,
        takerBuy: side === 'Buy',
        firstTradeId: tradeCount,
        lastTradeId: tradeCount,
      }
      for (const interval of intervals) {
        const candle = candles.get(interval)!
        applyTrade(candle, fill)
        venue.emit(bybitTopic.kline(interval, symbol), [kline(interval, candle, false, now)])
        venue.rest.upsertKline(symbol, interval, row(interval, candle), HISTORY_LENGTH)
      }
    },

    second(now) {
      rollCandles(now)
      stepDerivatives(derivatives, profile, random)
      const markPrice = price * (1 + 0.0002 * random.gaussian())
      const fields = tickerFields(now, markPrice)
      venue.rest.setTicker(symbol, fields)
      // a delta carries what changed: everything here moves every second
      venue.emit(bybitTopic.tickers(symbol), bybitEvents.ticker(symbol, fields), 'delta')
      const changed = recordBoundaries(derivatives, profile, lastSecond, now, markPrice)
      for (const period of changed.periods) {
        const name = OI_INTERVALS[period]
        if (name)
          venue.rest.setOpenInterest(symbol, name, oiRows(derivatives.oiHistory.get(period) ?? []))
      }
      lastSecond = now
      if (now >= nextLiquidationAt) liquidate(now)
    },
  }
}
