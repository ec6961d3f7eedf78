// The candle chart: TradingView's lightweight-charts, bundled (no CDN), with a legend of the
// newest candle that live updates rewrite.
import {
  CandlestickSeries,
  ColorType,
  createChart,
  type CandlestickData,
  type UTCTimestamp,
} from 'lightweight-charts'
import type { Ohlc } from '@takashi/schemas'
import { formatNumber, formatTime } from './format.ts'

export interface CandleChart {
  /** replaces the candles (oldest first, as the REST route answers) */
  reset(candles: readonly Ohlc[], title: string): void
  /** applies one live candle: the open one as it changes, or a new one */
  update(candle: Ohlc): void
}

const toBar = (candle: Ohlc): CandlestickData<UTCTimestamp> => ({
  time: (candle.timestamp / 1000) as UTCTimestamp,
  open: candle.open,
  high: candle.high,
  low: candle.low,
  close: candle.close,
})

export function createCandleChart(container: HTMLElement, legend: HTMLElement): CandleChart {
  const chart = createChart(container, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: '#11151c' }, textColor: '#c9d1d9' },
    grid: { vertLines: { color: '#1e2530' }, horzLines: { color: '#1e2530' } },
    timeScale: { timeVisible: true, secondsVisible: false },
  })
  const series = chart.addSeries(CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    borderVisible: false,
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
  })
  let title = ''
  let newest = 0
  let updates = 0

  function showLegend(candle: Ohlc | undefined): void {
    if (candle === undefined) {
      legend.textContent = `${title} waiting for candles…`
      return
    }
    legend.textContent = `${title}  ${formatTime(candle.timestamp)}  O ${formatNumber(candle.open)}  H ${formatNumber(candle.high)}  L ${formatNumber(candle.low)}  C ${formatNumber(candle.close)}`
    // read by the browser tests: which candle is shown and how many live updates were drawn
    container.dataset.time = String(candle.timestamp)
    container.dataset.close = String(candle.close)
    container.dataset.updates = String(updates)
  }

  return {
    reset(candles, chartTitle) {
      title = chartTitle
      updates = 0
      series.setData(candles.map(toBar))
      newest = candles.at(-1)?.timestamp ?? 0
      showLegend(candles.at(-1))
    },
    update(candle) {
      // lightweight-charts refuses bars older than the newest one
      if (candle.timestamp < newest) return
      newest = candle.timestamp
      series.update(toBar(candle))
      updates++
      showLegend(candle)
    },
  }
}
