import { describe, expect, test } from 'vitest'
import {
  evaluateSpike,
  MIN_WINDOW,
  observeSeries,
  SPIKE_THRESHOLDS,
  windowStats,
} from './oi-spike.ts'

const calm = Array.from({ length: 100 }, (_, i) => 1000 + (i % 2 === 0 ? 10 : -10))

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
    const threshold = SPIKE_THRESHOLDS['5m']
    const zs = [1, 3.5, 4, 6, 2.9, 3.1, 0]
    let armed = true
    const alerts = zs.map((z) => {
      const result = evaluateSpike(armed, { mean: 0, stdev: 1, z }, threshold)
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

  test('no statistics leave the state as it was', () => {
    expect(evaluateSpike(false, undefined, 2)).toEqual({ alert: false, armed: false })
  })
})

describe('observeSeries', () => {
  test('an OI history with one breakout gives exactly one spike with the right z-score', () => {
    const history = calm.map((value, i) => ({ time: i * 300_000, value }))
    // three periods far out of range, then back to normal
    const breakout = [1080, 1090, 1100, 1000].map((value, i) => ({
      time: (100 + i) * 300_000,
      value,
    }))
    const { spikes, state } = observeSeries(
      { window: [], armed: true },
      [...history, ...breakout],
      3
    )
    expect(spikes).toHaveLength(1)
    expect(spikes[0]?.observation).toEqual({ time: 100 * 300_000, value: 1080 })
    expect(spikes[0]?.stats).toEqual({ mean: 1000, stdev: 10, z: 8 })
    expect(state.window).toHaveLength(100)
    expect(state.window.at(-1)).toBe(1000)
    expect(state.armed).toBe(true)
  })
})
