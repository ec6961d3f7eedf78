import {
  binanceEvents,
  binanceKlineRow,
  binanceStreamName,
  type BinanceFundingRow,
  type BinanceKlineRow,
  type BinanceOpenInterestHistRow,
  type FakeBinance,
} from '@takashi/fakes/binance'
import { HISTORY_LENGTH, type Candle } from '../market/candles.ts'
import type { FundingSettlement, OpenInterestPoint } from '../market/derivatives.ts'
import type { MarketListener, MarketTick } from '../market/market.ts'
import { formatPrice, formatQuantity, profileFor, type SymbolProfile } from '../market/profile.ts'

function klineFields(profile: SymbolProfile, interval: string, candle: Candle) {
  return {
    interval,
    openTime: candle.openTime,
    o: formatPrice(profile, candle.o),
    h: formatPrice(profile, candle.h),
    l: formatPrice(profile, candle.l),
    c: formatPrice(profile, candle.c),
    v: candle.v.toFixed(profile.quantityDecimals),
    q: candle.q.toFixed(5),
    n: candle.n,
    takerBuyVolume: candle.takerBuyV.toFixed(profile.quantityDecimals),
    takerBuyQuote: candle.takerBuyQ.toFixed(5),
    firstTradeId: candle.firstTradeId,
    lastTradeId: candle.lastTradeId,
  }
}

/** A `GET /fapi/v1/klines` row of the candle. */
export function toKlineRow(
  profile: SymbolProfile,
  interval: string,
  candle: Candle
): BinanceKlineRow {
  return binanceKlineRow(klineFields(profile, interval, candle))
}

const fundingRow = (profile: SymbolProfile, row: FundingSettlement): BinanceFundingRow => ({
  fundingRate: row.rate.toFixed(8),
  fundingTime: row.time,
  markPrice: formatPrice(profile, row.markPrice),
})

const oiRow = (row: OpenInterestPoint): BinanceOpenInterestHistRow => ({
  sumOpenInterest: row.openInterest.toFixed(3),
  sumOpenInterestValue: (row.openInterest * row.price).toFixed(8),
  timestamp: row.time,
})

/** The market of one symbol as fake Binance USD-M streams and REST state. */
export function binanceTranslator(venue: FakeBinance, symbol: string): MarketListener {
  const profile = profileFor(symbol)

  function snapshots(tick: MarketTick): void {
    venue.rest.setOpenInterest(symbol, {
      openInterest: tick.openInterest.toFixed(3),
      time: tick.time,
    })
    venue.rest.setPremiumIndex(symbol, {
      markPrice: tick.markPrice.toFixed(8),
      indexPrice: tick.price.toFixed(8),
      lastFundingRate: tick.fundingRate.toFixed(8),
      nextFundingTime: tick.nextFundingTime,
      time: tick.time,
    })
  }
  const kline = (interval: string, candle: Candle, closed: boolean, eventTime: number) =>
    binanceEvents.kline({
      symbol,
      closed,
      eventTime,
      ...klineFields(profile, interval, candle),
    })
  const upsert = (interval: string, candle: Candle) =>
    venue.rest.upsertKline(symbol, interval, toKlineRow(profile, interval, candle), HISTORY_LENGTH)

  return {
    start(snapshot) {
      for (const [interval, history] of snapshot.candles) {
        venue.rest.setKlines(
          symbol,
          interval,
          history.map((candle) => toKlineRow(profile, interval, candle))
        )
      }
      venue.rest.setFundingHistory(
        symbol,
        snapshot.fundingHistory.map((row) => fundingRow(profile, row))
      )
      for (const [period, rows] of snapshot.oiHistory) {
        venue.rest.setOpenInterestHist(symbol, period, rows.map(oiRow))
      }
      snapshots(snapshot.tick)
    },

    trade(trade) {
      venue.emit(
        binanceStreamName.aggTrade(symbol),
        binanceEvents.aggTrade({
          symbol,
          price: formatPrice(profile, trade.price),
          qty: formatQuantity(profile, trade.quantity),
          // buyer is maker → the taker sold
          buyerIsMaker: !trade.takerBuy,
          id: trade.orderId,
          time: trade.time,
          eventTime: trade.publishedAt,
          firstTradeId: trade.firstTradeId,
          lastTradeId: trade.lastTradeId,
        })
      )
    },

    candle(interval, candle, change, time) {
      // the closing update carries x:true; the successor is in REST before its first trade
      if (change !== 'opened')
        venue.emit(
          binanceStreamName.kline(symbol, interval),
          kline(interval, candle, change === 'closed', time)
        )
      upsert(interval, candle)
    },

    tick(tick) {
      venue.emit(
        binanceStreamName.markPrice(symbol),
        binanceEvents.markPrice({
          symbol,
          markPrice: tick.markPrice.toFixed(8),
          indexPrice: tick.price.toFixed(8),
          fundingRate: tick.fundingRate.toFixed(8),
          nextFundingTime: tick.nextFundingTime,
          time: tick.time,
        })
      )
      snapshots(tick)
    },

    funding(history) {
      venue.rest.setFundingHistory(
        symbol,
        history.map((row) => fundingRow(profile, row))
      )
    },

    openInterestHistory(period, rows) {
      venue.rest.setOpenInterestHist(symbol, period, rows.map(oiRow))
    },

    liquidation(liquidation) {
      venue.emit(
        binanceStreamName.forceOrder(symbol),
        binanceEvents.forceOrder({
          symbol,
          // SELL closes a long: the forced order sells below the market, and a short's buys above
          side: liquidation.side === 'long' ? 'SELL' : 'BUY',
          price: formatPrice(profile, liquidation.price),
          avgPrice: formatPrice(profile, liquidation.averagePrice),
          qty: formatQuantity(profile, liquidation.quantity),
          time: liquidation.time,
        })
      )
    },
  }
}
