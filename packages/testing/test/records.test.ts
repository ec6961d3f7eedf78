import { describe, expect, test } from 'vitest'
import { FundingRate, LargeTrade, Liquidation, Ohlc, OISpike, OpenInterest } from '@takashi/schemas'
import {
  fundingRate,
  largeTrade,
  liquidation,
  ohlc,
  oiSpike,
  openInterest,
  T0,
  withoutId,
} from '../src/records.ts'

describe('record builders', () => {
  test('every default record passes its schema unchanged', () => {
    expect(Ohlc.parse(ohlc())).toEqual(ohlc())
    expect(OpenInterest.parse(openInterest())).toEqual(openInterest())
    expect(FundingRate.parse(fundingRate())).toEqual(fundingRate())
    expect(LargeTrade.parse(largeTrade())).toEqual(largeTrade())
    expect(Liquidation.parse(liquidation())).toEqual(liquidation())
    expect(OISpike.parse(oiSpike())).toEqual(oiSpike())
  })

  test('an override changes only its own field; withoutId drops the feed id', () => {
    expect(ohlc({ close: 1, exchange: 'okx' })).toEqual({ ...ohlc(), close: 1, exchange: 'okx' })
    expect(largeTrade().timestamp).toBe(T0)
    expect(withoutId(liquidation())).not.toHaveProperty('id')
  })
})
