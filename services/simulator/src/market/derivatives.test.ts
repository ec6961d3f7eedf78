import { describe, expect, test } from 'vitest'
import {
  FUNDING_HISTORY_LENGTH,
  OI_HISTORY_LENGTH,
  createDerivatives,
  nextFundingTime,
  recordBoundaries,
} from './derivatives.ts'
import { profileFor } from './profile.ts'
import { createRandom } from './random.ts'

const profile = profileFor('ETHUSDT')
const now = Date.UTC(2026, 4, 1, 7, 59, 59, 500)

describe('derivatives', () => {
  test('funding settles every 8 h at 00/08/16 UTC and history ends at the last settlement', () => {
    expect(nextFundingTime(now)).toBe(Date.UTC(2026, 4, 1, 8))
    const state = createDerivatives(profile, now, 3_000, createRandom(1))
    expect(state.fundingHistory).toHaveLength(FUNDING_HISTORY_LENGTH)
    expect(state.fundingHistory.at(-1)?.time).toBe(Date.UTC(2026, 4, 1, 0))
    expect(state.oiHistory.get('5m')).toHaveLength(OI_HISTORY_LENGTH)
    expect(state.oiHistory.get('5m')?.at(-1)?.time).toBe(Date.UTC(2026, 4, 1, 7, 55))
  })

  test('crossing a boundary appends a funding record and OI rows for the periods that ended', () => {
    const state = createDerivatives(profile, now, 3_000, createRandom(1))
    const later = Date.UTC(2026, 4, 1, 8, 0, 0, 400)
    expect(recordBoundaries(state, profile, now, later, 3_001)).toEqual({
      funding: true,
      periods: ['5m', '15m', '30m', '1h', '2h', '4h'],
    })
    expect(state.fundingHistory).toHaveLength(FUNDING_HISTORY_LENGTH)
    expect(state.fundingHistory.at(-1)).toMatchObject({
      time: Date.UTC(2026, 4, 1, 8),
      markPrice: 3_001,
    })
    expect(state.oiHistory.get('5m')?.at(-1)?.time).toBe(Date.UTC(2026, 4, 1, 8))
    expect(recordBoundaries(state, profile, later, later + 1_000, 3_001)).toEqual({
      funding: false,
      periods: [],
    })
  })
})
