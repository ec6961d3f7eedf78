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
import { createParser } from './parse.ts'
import { BINANCE_LIMITS, createConnections } from './subscriptions.ts'
import { fromNative, toNative } from './symbols.ts'
import { BINANCE_URL_ENV } from './urls.ts'

/** Binance USD-M futures: combined streams on the routed `/market` path, REST under /fapi. */
export const binance: ExchangeAdapter<typeof BINANCE_URL_ENV> = {
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
  urlEnv: BINANCE_URL_ENV,
  limits: BINANCE_LIMITS,
  connections: createConnections,
  createParser,
  rest: { loadMarkets, candles, openInterest, fundingRate, openInterestHistory },
  polls: createPolls,
}
