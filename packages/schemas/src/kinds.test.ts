import { describe, expect, test } from 'vitest'
import { Capabilities } from './api.ts'
import {
  capabilityOfSegment,
  DATA_KINDS,
  FEED_NAMES,
  kindOfSegment,
  segmentOf,
  type DataKind,
} from './kinds.ts'
import type { NormalizedRecord } from './normalized.ts'

describe('the kind table', () => {
  test('every kind has its own segment, and a segment leads back to its kind', () => {
    const kinds = Object.keys(DATA_KINDS) as DataKind[]
    const segments = kinds.map(segmentOf)
    expect(new Set(segments).size).toBe(kinds.length)
    expect(segments.map(kindOfSegment)).toEqual(kinds)
    expect(kindOfSegment('funding_rate')).toBeUndefined()
  })

  test('capabilities and feeds are the contract names', () => {
    const capabilities = Object.keys(Capabilities.shape)
    for (const { capability } of Object.values(DATA_KINDS)) {
      expect(capabilities).toContain(capability)
    }
    expect(capabilityOfSegment('open-interest')).toBe('open_interest')
    expect(capabilityOfSegment('large-trades')).toBe('large_trades')
    expect(FEED_NAMES).toEqual(['liquidations', 'large-trades', 'oi-spikes'])
  })

  test('every record kind the ingestors publish is in the table', () => {
    const published: Record<NormalizedRecord['kind'], true> = {
      ohlc: true,
      trade: true,
      open_interest: true,
      funding_rate: true,
      liquidation: true,
    }
    for (const kind of Object.keys(published)) expect(DATA_KINDS).toHaveProperty(kind)
  })
})
