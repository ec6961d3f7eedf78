import { okxEvents, OKX_BARS, okxInstId, type FakeOkx, type OkxCandleRow } from '@takashi/fakes/okx'
import { HISTORY_LENGTH, type Candle } from '../market/candles.ts'
import type { OpenInterestPoint } from '../market/derivatives.ts'
import type { MarketListener, MarketTick } from '../market/market.ts'
import { formatPrice, profileFor } from '../market/profile.ts'

/** OI history periods OKX serves for the monitor, by its names. */
export const OKX_OI_PERIODS: Record<string, string> = { '5m': '5m', '15m': '15m', '1h': '1H' }

/** The market of one USDT swap as fake OKX channels and REST state, sizes in contracts. */
export function okxTranslator(
  venue: FakeOkx,
  symbol: string,
  contractSize: number
): MarketListener {
  const instId = okxInstId(symbol)
  const profile = profileFor(symbol)
  const contracts = (quantity: number) => Math.max(1, Math.round(quantity / contractSize))

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
  function history(period: string, rows: readonly OpenInterestPoint[]): void {
    const name = OKX_OI_PERIODS[period]
    if (!name) return
    venue.rest.setOpenInterestHistory(
      instId,
      name,
      rows.map((item): [number, string, string, string] => [
        item.time,
        (item.openInterest / contractSize).toFixed(0),
        item.openInterest.toFixed(3),
        (item.openInterest * item.price).toFixed(8),
      ])
    )
  }
  function derivatives(tick: MarketTick, push: boolean): void {
    const markPx = formatPrice(profile, tick.markPrice)
    const oi = {
      oi: (tick.openInterest / contractSize).toFixed(0),
      oiCcy: tick.openInterest.toFixed(profile.quantityDecimals),
      oiUsd: (tick.openInterest * tick.markPrice).toFixed(2),
      ts: tick.time,
    }
    const funding = {
      fundingRate: tick.fundingRate.toFixed(8),
      fundingTime: tick.nextFundingTime,
      nextFundingTime: tick.nextFundingTime + tick.fundingIntervalMs,
      ts: tick.time,
    }
    venue.rest.setMarkPrice(instId, { markPx, ts: tick.time })
    venue.rest.setOpenInterest(instId, oi)
    venue.rest.setFundingRate(instId, funding)
    if (!push) return
    venue.emit({ channel: 'mark-price', instId }, [
      okxEvents.markPrice({ instId, markPx, ts: tick.time }),
    ])
    venue.emit({ channel: 'open-interest', instId }, [okxEvents.openInterest({ instId, ...oi })])
    venue.emit({ channel: 'funding-rate', instId }, [okxEvents.fundingRate({ instId, ...funding })])
  }

  return {
    start(snapshot) {
      for (const [interval, candles] of snapshot.candles) {
        venue.rest.setCandles(
          instId,
          interval,
          candles.map((candle, i) => row(candle, i < candles.length - 1))
        )
      }
      for (const [period, rows] of snapshot.oiHistory) history(period, rows)
      derivatives(snapshot.tick, false)
    },

    trade(trade) {
      venue.emit({ channel: 'trades', instId }, [
        okxEvents.trade({
          instId,
          tradeId: String(trade.lastTradeId),
          px: formatPrice(profile, trade.price),
          sz: contracts(trade.quantity),
          side: trade.takerBuy ? 'buy' : 'sell',
          ts: trade.time,
        }),
      ])
    },

    candle(interval, candle, change) {
      // a closed candle is pushed confirmed; the next one appears with its first trade
      if (change === 'opened') return
      const current = row(candle, change === 'closed')
      venue.emit(candleArg(interval), [current])
      venue.rest.upsertCandle(instId, interval, current, HISTORY_LENGTH)
    },

    tick: (tick) => derivatives(tick, true),

    openInterestHistory: history,

    liquidation(liquidation) {
      venue.emit({ channel: 'liquidation-orders', instType: 'SWAP' }, [
        okxEvents.liquidation({
          instId,
          // a sell order closes a long below the market; a buy closes a short above it
          side: liquidation.side === 'long' ? 'sell' : 'buy',
          sz: contracts(liquidation.quantity),
          bkPx: formatPrice(profile, liquidation.price),
          ts: liquidation.time,
        }),
      ])
    },
  }
}
