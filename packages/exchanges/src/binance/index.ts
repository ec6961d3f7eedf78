import { INTERVALS } from '@takashi/schemas'
import type { ExchangeAdapter } from '../adapter.ts'
import {
  candles,
  createPolls,
  fundingRate,
  loadMarkets,
  openInterest,
  openInterestHistory,
} from './calls.ts'
import { parseFrame } from './parse.ts'
import { createConnections } from './subscriptions.ts'
import { fromNative, toNative } from './symbols.ts'

/** Binance USD-M futures: combined streams on the routed `/market` path, REST under /fapi. */
export const binance: ExchangeAdapter = {
  id: 'binance',
  capabilities: {
    ohlc: true,
    open_interest: true,
    funding_rate: true,
    liquidations: true,
    large_trades: true,
    trades: true,
  },
  intervals: INTERVALS,
  toNative,
  fromNative,
  connections: createConnections,
  parse: parseFrame,
  rest: { loadMarkets, candles, openInterest, fundingRate, openInterestHistory },
  polls: createPolls,
}
