import {
  hyperliquidEvents,
  hyperliquidTopic,
  type FakeHyperliquid,
  type HyperliquidCandleRow,
  type HyperliquidFundingRow,
} from '@takashi/fakes/hyperliquid'
import { HISTORY_LENGTH, type Candle } from '../market/candles.ts'
import type { FundingSettlement } from '../market/derivatives.ts'
import type { MarketListener, MarketTick } from '../market/market.ts'
import { formatPrice, formatQuantity, profileFor } from '../market/profile.ts'

const fundingRow = (row: FundingSettlement): HyperliquidFundingRow => ({
  fundingRate: row.rate.toFixed(8),
  premium: (row.rate - 0.0000125).toFixed(10),
  time: row.time,
})

/**
 * The market of one coin as fake Hyperliquid channels and info state (hourly funding; no
 * liquidations, as on Hyperliquid).
 */
export function hyperliquidTranslator(
  venue: FakeHyperliquid,
  symbol: string,
  coin: string
): MarketListener {
  const profile = profileFor(symbol)
  const row = (interval: string, candle: Candle): HyperliquidCandleRow =>
    hyperliquidEvents.candle({
      coin,
      interval,
      openTime: candle.openTime,
      o: formatPrice(profile, candle.o),
      h: formatPrice(profile, candle.h),
      l: formatPrice(profile, candle.l),
      c: formatPrice(profile, candle.c),
      v: candle.v.toFixed(profile.quantityDecimals),
      n: candle.n,
    })
  const context = (tick: MarketTick) =>
    hyperliquidEvents.assetCtx({
      funding: tick.fundingRate.toFixed(8),
      openInterest: tick.openInterest.toFixed(profile.quantityDecimals),
      markPx: formatPrice(profile, tick.markPrice),
      oraclePx: formatPrice(profile, tick.price),
      midPx: formatPrice(profile, tick.price),
    })

  return {
    start(snapshot) {
      for (const [interval, candles] of snapshot.candles) {
        venue.rest.setCandles(
          coin,
          interval,
          candles.map((candle) => row(interval, candle))
        )
      }
      venue.rest.setFundingHistory(coin, snapshot.fundingHistory.map(fundingRow))
      venue.rest.setAssetCtx(coin, context(snapshot.tick))
    },

    trade(trade) {
      // "B" = the taker bought (the price was lifted), "A" = the taker sold
      const side = trade.takerBuy ? 'B' : 'A'
      const sz = formatQuantity(profile, trade.quantity / trade.fills)
      const pushed = Array.from({ length: trade.fills }, (_, i) =>
        hyperliquidEvents.trade({
          coin,
          side,
          px: formatPrice(profile, trade.price),
          sz,
          time: trade.time,
          tid: trade.firstTradeId + i,
        })
      )
      venue.emit(hyperliquidTopic.trades(coin), pushed)
    },

    candle(interval, candle, change) {
      // at a boundary the next candle opens and is pushed, so the previous one is final
      if (change === 'closed') return
      const current = row(interval, candle)
      venue.rest.upsertCandle(coin, interval, current, HISTORY_LENGTH)
      venue.emit(hyperliquidTopic.candle(coin, interval), current)
    },

    tick(tick) {
      const ctx = context(tick)
      venue.rest.setAssetCtx(coin, ctx)
      venue.emit(hyperliquidTopic.activeAssetCtx(coin), hyperliquidEvents.activeAssetCtx(coin, ctx))
    },

    funding(history) {
      venue.rest.setFundingHistory(coin, history.map(fundingRow))
    },
  }
}
