import { describe, expect, test } from 'vitest'
import type { Ohlc } from '@takashi/schemas'
import {
  advanceOpenInterest,
  advanceSeries,
  candleReadings,
  evaluateSpike,
  MIN_WINDOW,
  seedSeries,
  SPIKE_THRESHOLDS,
  windowStats,
  type Reading,
  type SeriesState,
} from './oi-spike.ts'

const calm = Array.from({ length: 100 }, (_, i) => 1000 + (i % 2 === 0 ? 10 : -10))
const STEP = 300_000
/** the open period of these tests; the history is the 100 periods before it */
const P = 1_700_000_100 * 1_000 - ((1_700_000_100 * 1_000) % STEP)
const history: Reading[] = calm.map((value, i) => ({
  period: P - (100 - i) * STEP,
  value,
  at: P - (100 - i) * STEP,
}))
const oi = (value: number, at: number): Reading => ({
  period: Math.floor(at / STEP) * STEP,
  value,
  at,
})

/** Feeds readings one by one, as evaluations would, collecting every spike. */
function feed(state: SeriesState, readings: Reading[]) {
  const spikes: Reading[] = []
  for (const reading of readings) {
    const result = advanceOpenInterest(state, reading, SPIKE_THRESHOLDS['5m'])
    state = result.state
    spikes.push(...result.spikes.map((spike) => spike.reading))
  }
  return { state, spikes }
}

describe('windowStats', () => {
  test('population mean and deviation of the window, z of the new value', () => {
    expect(windowStats(calm, 1050)).toEqual({ mean: 1000, stdev: 10, z: 5 })
  })

  test('nothing to say with too few points or a flat window', () => {
    expect(windowStats(calm.slice(0, MIN_WINDOW - 1), 5000)).toBeUndefined()
    expect(windowStats(Array(50).fill(7), 8)).toBeUndefined()
  })
})

describe('evaluateSpike', () => {
  test('thresholds per timeframe are those of the contract', () => {
    expect(SPIKE_THRESHOLDS).toEqual({ '5m': 3, '15m': 2.5, '1h': 2 })
  })

  test('alerts once per breakout and re-arms when z falls back', () => {
    const zs = [1, 3.5, 4, 6, 2.9, 3.1, 0]
    let armed = true
    const alerts = zs.map((z) => {
      const result = evaluateSpike(armed, { mean: 0, stdev: 1, z }, SPIKE_THRESHOLDS['5m'])
      armed = result.armed
      return result.alert
    })
    expect(alerts).toEqual([false, true, false, false, false, true, false])
  })

  test('z exactly at the threshold is no spike (the rule is z > threshold)', () => {
    expect(evaluateSpike(true, { mean: 0, stdev: 1, z: 2.5 }, 2.5)).toEqual({
      alert: false,
      armed: true,
    })
  })
})

describe('seedSeries: history never alerts', () => {
  test('a history with a breakout in it seeds the window and publishes nothing', () => {
    const withBreakout = history.map((r, i) => (i === 70 ? { ...r, value: 5000 } : r))
    const state = seedSeries(withBreakout, oi(1000, P + 1_000), 3)
    expect(state.window).toEqual(withBreakout.map((r) => r.value))
    expect(state).toMatchObject({ last: P - STEP, open: oi(1000, P + 1_000), armed: true })
  })

  test('a breakout already under way at start is not reported; the series waits for its end', () => {
    const state = seedSeries(history, oi(1100, P + 1_000), 3)
    expect(state.armed).toBe(false)
    // the same reading judged again, then more of the breakout: nothing
    expect(feed(state, [oi(1100, P + 1_000), oi(1120, P + 20_000)]).spikes).toEqual([])
    // once it has ended, the next breakout alerts
    expect(feed(state, [oi(1000, P + 30_000), oi(1100, P + 40_000)]).spikes).toEqual([
      oi(1100, P + 40_000),
    ])
  })

  test('history rows of the open period or later are not closed periods', () => {
    const state = seedSeries([...history, oi(1500, P)], oi(1000, P + 1_000), 3)
    expect(state.window).toEqual(calm)
  })
})

describe('advanceOpenInterest: the current value, judged at once', () => {
  const seeded = seedSeries(history, oi(1000, P + 1_000), 3)

  test('a jump in the middle of a period alerts at once, with the reading as its time', () => {
    const result = advanceOpenInterest(seeded, oi(1100, P + 150_000), 3)
    expect(result.spikes).toEqual([
      { reading: oi(1100, P + 150_000), stats: { mean: 1000, stdev: 10, z: 10 } },
    ])
    expect(result.appended).toEqual([])
    expect(result.state).toMatchObject({ open: oi(1100, P + 150_000), armed: false })
  })

  test('one spike per breakout, across readings and periods', () => {
    const { spikes, state } = feed(seeded, [
      oi(1100, P + 150_000),
      oi(1100, P + 150_000),
      oi(1110, P + 200_000),
      oi(1120, P + STEP + 10_000),
      oi(1090, P + 2 * STEP + 10_000),
    ])
    expect(spikes).toEqual([oi(1100, P + 150_000)])
    expect(state.armed).toBe(false)
  })

  test('re-arms when z falls to the threshold or below, then alerts on the next breakout', () => {
    const { spikes } = feed(seeded, [
      oi(1100, P + 10_000),
      oi(1030, P + 20_000), // z = 3: back at the threshold, re-armed
      oi(1100, P + 30_000),
    ])
    expect(spikes).toEqual([oi(1100, P + 10_000), oi(1100, P + 30_000)])
  })

  test('the last reading of a period is its close and joins the window', () => {
    const { state } = feed(seeded, [oi(1010, P + 200_000), oi(1000, P + STEP + 5_000)])
    expect(state.window).toHaveLength(100)
    expect(state.window.at(-1)).toBe(1010)
    expect(state.window[0]).toBe(calm[1])
    expect(state).toMatchObject({ last: P, open: oi(1000, P + STEP + 5_000) })
  })

  test('a reading older than the one judged is ignored', () => {
    const later = advanceOpenInterest(seeded, oi(1000, P + 60_000), 3).state
    const result = advanceOpenInterest(later, oi(1100, P + 30_000), 3)
    expect(result).toEqual({ state: later, spikes: [], appended: [] })
  })

  test('a flat series never alerts', () => {
    const flat = seedSeries(
      history.map((r) => ({ ...r, value: 1000 })),
      oi(1000, P + 1_000),
      3
    )
    const { spikes } = feed(
      flat,
      Array.from({ length: 50 }, (_, i) => oi(1000, P + 1_000 + i * 60_000))
    )
    expect(spikes).toEqual([])
  })
})

describe('volume: the open candle so far', () => {
  const candle = (timestamp: number, volume: number, closed = true): Ohlc => ({
    exchange: 'binance',
    symbol: 'BTCUSDT',
    timestamp,
    received_at: timestamp,
    interval: '5m',
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume,
    quote_volume: null,
    trades: null,
    closed,
  })
  const closedCandles = calm.map((v, i) => candle(P - (100 - i) * STEP, v))
  const start = () => {
    const { closed, current } = candleReadings([...closedCandles, candle(P, 20, false)])
    return seedSeries(closed, current, 3)
  }
  const step = (state: SeriesState, candles: Ohlc[]) => {
    const { closed, current } = candleReadings(candles)
    return advanceSeries(state, closed, current, 3)
  }

  test('a volume above the threshold part-way through its candle is a spike then', () => {
    const seeded = start()
    expect(seeded).toMatchObject({ last: P - STEP, armed: true })
    expect(step(seeded, [candle(P, 600, false)]).spikes).toEqual([])
    const result = step(seeded, [candle(P, 1080, false)])
    expect(result.spikes).toEqual([
      { reading: { period: P, value: 1080, at: P }, stats: { mean: 1000, stdev: 10, z: 8 } },
    ])
    // the candle grows on and closes: still the same breakout
    const after = step(result.state, [candle(P, 1200, false)])
    const closed = step(after.state, [candle(P, 1300), candle(P + STEP, 5, false)])
    expect([...after.spikes, ...closed.spikes]).toEqual([])
    expect(closed.appended).toEqual([1300])
    expect(closed.state).toMatchObject({ last: P, armed: true })
  })

  test("the watched candle's final volume is judged as it closes", () => {
    const result = step(start(), [candle(P, 1100), candle(P + STEP, 1, false)])
    expect(result.spikes.map((s) => s.reading)).toEqual([{ period: P, value: 1100, at: P }])
  })

  test('candles that opened and closed unseen are history: they join the window unjudged', () => {
    const result = step(start(), [
      candle(P, 990),
      candle(P + STEP, 5000),
      candle(P + 2 * STEP, 40, false),
    ])
    expect(result.spikes).toEqual([])
    expect(result.appended).toEqual([990, 5000])
  })

  test('a candle left open but followed by a newer one counts as closed', () => {
    expect(candleReadings([candle(P, 7, false), candle(P + STEP, 3, false)])).toEqual({
      closed: [{ period: P, value: 7, at: P }],
      current: { period: P + STEP, value: 3, at: P + STEP },
    })
  })
})
