import { expect } from 'vitest'
import { OISpike, type ExchangeId, type SpikeTimeframe } from '@takashi/schemas'

// The open-interest history the OI spike tests seed a venue with, and the spikes a jump to 1100 gives.

export const PERIOD = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const

/**
 * Open interest alternating 1010 / 990, oldest first: mean 1000, stdev 10. The live calm
 * reading is 1010, the value a period boundary would push out, so a boundary passing during the
 * test leaves the statistics exact.
 */
export const calm = (i: number) => (i % 2 === 0 ? 1010 : 990)

/** The 100 closed periods of `timeframe` before `now`, oldest first, valued by `value`. */
export function oiHistory(
  timeframe: SpikeTimeframe,
  now: number,
  value: (i: number) => number = calm
) {
  const step = PERIOD[timeframe]
  const lastClosed = Math.floor(now / step) * step - step
  return Array.from({ length: 100 }, (_, i) => ({
    value: value(i),
    timestamp: lastClosed - (99 - i) * step,
  }))
}

/** One BTCUSDT spike per timeframe, each the jump to 1100 over the calm history, at `at`. */
export function expectSpikes(
  messages: Record<string, unknown>[],
  exchange: ExchangeId,
  at: number
) {
  const spikes = messages.map((message) => OISpike.parse(message))
  expect(spikes.map((spike) => spike.timeframe).sort()).toEqual(['15m', '1h', '5m'])
  for (const spike of spikes) {
    expect(spike).toMatchObject({
      exchange,
      symbol: 'BTCUSDT',
      timestamp: at,
      metric: 'open_interest',
      value: 1100,
      mean: 1000,
      stdev: 10,
      z_score: 10,
      threshold: { '5m': 3, '15m': 2.5, '1h': 2 }[spike.timeframe],
    })
  }
}
