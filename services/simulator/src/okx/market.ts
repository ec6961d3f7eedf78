import {
  nextCandleOpen,
  okxEvents,
  OKX_BARS,
  okxInstId,
  type FakeOkx,
  type OkxCandleRow,
} from '@takashi/fakes/okx'
import {
  applyTrade,
  emptyCandle,
  generateHistory,
  HISTORY_LENGTH,
  type Candle,
} from '../candles.ts'
import {
  createDerivatives,
  FUNDING_INTERVAL_MS,
  nextFundingTime,
  recordBoundaries,
  stepDerivatives,
} from '../derivatives.ts'
import type { DrivenMarket } from '../drive.ts'
import {
  formatPrice,
  profileFor,
  roundPrice,
  TRADE_VOLATILITY,
  type SymbolProfile,
} from '../profile.ts'
import type { Random } from '../random.ts'

const LARGE_TRADE_CHANCE = 1 / 40
/** OI history periods OKX serves for the monitor, by its names. */
const OI_PERIODS: Record<string, string> = { '5m': '5m', '15m': '15m', '1h': '1H' }

/** One swap's random walk in contracts of `contractSize` base units, through the fake OKX. */
export function createOkxMarket(deps: {
  venue: FakeOkx
  symbol: string
  contractSize: number
  intervals: readonly string[]
  random: Random
  now: number
}): DrivenMarket {
  const { venue, symbol, contractSize, intervals, random } = deps
  const instId = okxInstId(symbol)
  const profile: SymbolProfile = profileFor(symbol)
  let price = profile.basePrice * random.between(0.97, 1.03)
  let tradeId = Math.floor(deps.now / 25)
  let lastSecond = deps.now
  let nextLiquidationAt = deps.now + random.between(2_000, 6_000)

  const row = (candle: Candle, confirm: boolean): OkxCandleRow =>
    okxEvents.candle({
      ts: candle.openTime,
      o: formatPrice(profile, candle.o),
      h: formatPrice(profile, candle.h),
      l: formatPrice(profile, candle.l),
      c: formatPrice(profile, candle.c),
      vol: Math.round(candle.v / contractSize),
      contractSize,
      volCcyQuote: candle.q.toFixed(4),
      confirm,
    })
  const candleArg = (interval: string) => ({
    channel: `candle${OKX_BARS[interval] ?? interval}`,
    instId,
  })

  const candles = new Map<string, Candle>()
  for (const interval of intervals) {
    const history = generateHistory(profile, interval, deps.now, roundPrice(profile, price), random)
    venue.rest.setCandles(
      instId,
      interval,
      history.map((candle, i) => row(candle, i < history.length - 1))
    )
    candles.set(interval, history[history.length - 1]!)
  }
  const derivatives = createDerivatives(profile, deps.now, price, random)
  function publishHistory(period: string): void {
    const name = OI_PERIODS[period]
    if (!name) return
    const rows = (derivatives.oiHistory.get(period) ?? []).map(
      (item): [number, string, string, string] => [
        item.timestamp,
        (Number(item.sumOpenInterest) / contractSize).toFixed(0),
        item.sumOpenInterest,
        item.sumOpenInterestValue,
      ]
    )
    venue.rest.setOpenInterestHistory(instId, name, rows)
  }
  for (const period of Object.keys(OI_PERIODS)) publishHistory(period)

  function publishDerivatives(now: number, markPrice: number, push: boolean): void {
    const markPx = formatPrice(profile, markPrice)
    const fundingTime = nextFundingTime(now)
    const oi = {
      oi: (derivatives.openInterest / contractSize).toFixed(0),
      oiCcy: derivatives.openInterest.toFixed(profile.quantityDecimals),
      oiUsd: (derivatives.openInterest * markPrice).toFixed(2),
      ts: now,
    }
    const funding = {
      fundingRate: derivatives.fundingRate.toFixed(8),
      fundingTime,
      nextFundingTime: fundingTime + FUNDING_INTERVAL_MS,
      ts: now,
    }
    venue.rest.setMarkPrice(instId, { markPx, ts: now })
    venue.rest.setOpenInterest(instId, oi)
    venue.rest.setFundingRate(instId, funding)
    if (!push) return
    venue.emit({ channel: 'mark-price', instId }, [
      okxEvents.markPrice({ instId, markPx, ts: now }),
    ])
    venue.emit({ channel: 'open-interest', instId }, [okxEvents.openInterest({ instId, ...oi })])
    venue.emit({ channel: 'funding-rate', instId }, [okxEvents.fundingRate({ instId, ...funding })])
  }
  publishDerivatives(deps.now, price, false)

  function rollCandles(now: number): void {
    for (const interval of intervals) {
      let candle = candles.get(interval)!
      while (now >= nextCandleOpen(interval, candle.openTime)) {
        venue.emit(candleArg(interval), [row(candle, true)])
        venue.rest.upsertCandle(instId, interval, row(candle, true), HISTORY_LENGTH)
        candle = emptyCandle(nextCandleOpen(interval, candle.openTime), candle.c)
        candles.set(interval, candle)
      }
    }
  }

  function tradeNotional(): number {
    if (random.chance(LARGE_TRADE_CHANCE))
      return Math.exp(random.between(Math.log(1.2e5), Math.log(2e6)))
    return Math.min(9e4, Math.exp(Math.log(2_500) + 1.1 * random.gaussian()))
  }

  return {
    trade(now) {
      rollCandles(now)
      const step =
        Math.log(profile.basePrice / price) * 0.0005 + TRADE_VOLATILITY * random.gaussian()
      price *= Math.exp(step)
      const px = roundPrice(profile, price)
      const contracts = Math.max(1, Math.round(tradeNotional() / px / contractSize))
      const side = step >= 0 ? 'buy' : 'sell'
      tradeId += 1
      venue.emit({ channel: 'trades', instId }, [
        okxEvents.trade({
          instId,
          tradeId: String(tradeId),
          px: formatPrice(profile, px),
          sz: contracts,
          side,
          ts: now,
        }),
      ])
      const fill = {
        price: px,
        quantity: contracts * contractSize,
        takerBuy: side === 'buy',
        firstTradeId: tradeId,
        lastTradeId: tradeId,
      }
      for (const interval of intervals) {
        const candle = candles.get(interval)!
        applyTrade(candle, fill)
        venue.emit(candleArg(interval), [row(candle, false)])
        venue.rest.upsertCandle(instId, interval, row(candle, false), HISTORY_LENGTH)
      }
    },

    second(now) {
      rollCandles(now)
      stepDerivatives(derivatives, profile, random)
      const markPrice = price * (1 + 0.0002 * random.gaussian())
      publishDerivatives(now, markPrice, true)
      const changed = recordBoundaries(derivatives, profile, lastSecond, now, markPrice)
      for (const period of changed.periods) publishHistory(period)
      lastSecond = now
      if (now < nextLiquidationAt) return
      nextLiquidationAt = now + random.between(5_000, 10_000)
      // a sell order closes a long below the market; a buy closes a short above it
      const side = random.chance(0.55) ? 'sell' : 'buy'
      const away = side === 'sell' ? -1 : 1
      const notional = Math.exp(random.between(Math.log(2_000), Math.log(400_000)))
      venue.emit({ channel: 'liquidation-orders', instType: 'SWAP' }, [
        okxEvents.liquidation({
          instId,
          side,
          sz: Math.max(1, Math.round(notional / price / contractSize)),
          bkPx: formatPrice(profile, price * (1 + away * random.between(0.002, 0.01))),
          ts: now,
        }),
      ])
    },
  }
}
