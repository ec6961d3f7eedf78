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
import { BYBIT_LIMITS, createConnections } from './subscriptions.ts'
import { BYBIT_INTERVALS, fromNative, toNative } from './symbols.ts'
import { BYBIT_URL_ENV } from './urls.ts'

/** Bybit v5 linear USDT perpetuals: one public socket per 200 topics, REST /v5/market. */
export const bybit: ExchangeAdapter<typeof BYBIT_URL_ENV> = {
  id: 'bybit',
  capabilities: {
    ohlc: true,
    open_interest: true,
    funding_rate: true,
    liquidations: true,
    large_trades: true,
    trades: true,
  },
  intervals: BYBIT_INTERVALS,
  toNative,
  fromNative,
  urlEnv: BYBIT_URL_ENV,
  limits: BYBIT_LIMITS,
  connections: createConnections,
  createParser,
  rest: { loadMarkets, candles, openInterest, fundingRate, openInterestHistory },
  polls: createPolls,
}
