import {
  bybitEvents,
  bybitKlineRow,
  bybitTopic,
  type BybitKlineRow,
  type BybitOpenInterestRow,
  type FakeBybit,
} from '@takashi/fakes/bybit'
import { HISTORY_LENGTH, type Candle } from '../market/candles.ts'
import type { OpenInterestPoint } from '../market/derivatives.ts'
import type { MarketListener, MarketTick } from '../market/market.ts'
import { formatPrice, formatQuantity, profileFor } from '../market/profile.ts'

/** The open interest history periods Bybit serves, by its names. */
export const BYBIT_OI_INTERVALS: Record<string, string> = {
  '5m': '5min',
  '15m': '15min',
  '30m': '30min',
  '1h': '1h',
  '4h': '4h',
  '1d': '1d',
}

/** Bybit counts open interest on both sides; `singleOpenInterest` is one side. */
function oiRows(rows: readonly OpenInterestPoint[]): BybitOpenInterestRow[] {
  return rows.map((row) => ({
    openInterest: (2 * row.openInterest).toFixed(3),
    singleOpenInterest: row.openInterest.toFixed(3),
    timestamp: row.time,
  }))
}

/** The market of one linear perpetual as fake Bybit topics and REST state. */
export function bybitTranslator(venue: FakeBybit, symbol: string): MarketListener {
  const profile = profileFor(symbol)
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
  const row = (interval: string, candle: Candle): BybitKlineRow =>
    bybitKlineRow({ interval, start: candle.openTime, ...prices(candle) })
  const tickerFields = (tick: MarketTick) => ({
    lastPrice: formatPrice(profile, tick.price),
    markPrice: formatPrice(profile, tick.markPrice),
    indexPrice: formatPrice(profile, tick.price),
    openInterest: (2 * tick.openInterest).toFixed(3),
    openInterestValue: (2 * tick.openInterest * tick.markPrice).toFixed(2),
    singleOpenInterest: tick.openInterest.toFixed(3),
    singleOpenInterestValue: (tick.openInterest * tick.markPrice).toFixed(2),
    fundingRate: tick.fundingRate.toFixed(8),
    nextFundingTime: tick.nextFundingTime,
    fundingIntervalHour: '8',
  })
  const history = (period: string, rows: readonly OpenInterestPoint[]) => {
    const name = BYBIT_OI_INTERVALS[period]
    if (name) venue.rest.setOpenInterest(symbol, name, oiRows(rows))
  }

  return {
    start(snapshot) {
      for (const [interval, candles] of snapshot.candles) {
        venue.rest.setKlines(
          symbol,
          interval,
          candles.map((candle) => row(interval, candle))
        )
      }
      for (const [period, rows] of snapshot.oiHistory) history(period, rows)
      venue.rest.setTicker(symbol, tickerFields(snapshot.tick))
    },

    trade(trade) {
      venue.emit(bybitTopic.trades(symbol), [
        bybitEvents.trade({
          symbol,
          side: trade.takerBuy ? 'Buy' : 'Sell',
          price: formatPrice(profile, trade.price),
          size: formatQuantity(profile, trade.quantity),
          time: trade.time,
          id: `00000000-0000-5000-8000-${trade.lastTradeId.toString(16).padStart(12, '0')}`,
        }),
      ])
    },

    candle(interval, candle, change, time) {
      // at a boundary the closing candle is confirmed; the next one is in REST before it trades
      if (change !== 'opened') {
        const kline = bybitEvents.kline({
          interval,
          start: candle.openTime,
          ...prices(candle),
          confirm: change === 'closed',
          timestamp: time,
        })
        venue.emit(bybitTopic.kline(interval, symbol), [kline])
      }
      if (change !== 'closed')
        venue.rest.upsertKline(symbol, interval, row(interval, candle), HISTORY_LENGTH)
    },

    tick(tick) {
      const fields = tickerFields(tick)
      venue.rest.setTicker(symbol, fields)
      // a delta carries what changed: everything here moves every second
      venue.emit(bybitTopic.tickers(symbol), bybitEvents.ticker(symbol, fields), 'delta')
    },

    openInterestHistory: history,

    liquidation(liquidation) {
      venue.emit(bybitTopic.liquidations(symbol), [
        bybitEvents.liquidation({
          symbol,
          // Buy = a long was liquidated, at a bankruptcy price below the market; Sell = a short
          side: liquidation.side === 'long' ? 'Buy' : 'Sell',
          size: formatQuantity(profile, liquidation.quantity),
          price: formatPrice(profile, liquidation.price),
          time: liquidation.time,
        }),
      ])
    },
  }
}
