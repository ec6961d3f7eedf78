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
import { createConnections, OKX_LIMITS } from './subscriptions.ts'
import { fromNative, OKX_INTERVALS, toNative } from './symbols.ts'
import { OKX_URL_ENV } from './urls.ts'

/** OKX v5 USDT swaps: a public socket, a business socket for candles, REST /api/v5. */
export const okx: ExchangeAdapter<typeof OKX_URL_ENV> = {
  id: 'okx',
  capabilities: {
    ohlc: true,
    open_interest: true,
    funding_rate: true,
    liquidations: true,
    large_trades: true,
    trades: true,
  },
  intervals: OKX_INTERVALS,
  toNative,
  fromNative,
  urlEnv: OKX_URL_ENV,
  limits: OKX_LIMITS,
  connections: createConnections,
  createParser,
  rest: { loadMarkets, candles, openInterest, fundingRate, openInterestHistory },
  polls: createPolls,
}
