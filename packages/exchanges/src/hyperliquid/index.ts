import type { ExchangeAdapter } from '../adapter.ts'
import { candles, createPolls, fundingRate, loadMarkets, openInterest } from './calls.ts'
import { createParser } from './parse.ts'
import { createConnections, HYPERLIQUID_LIMITS } from './subscriptions.ts'
import { fromNative, HYPERLIQUID_INTERVALS, toNative } from './symbols.ts'
import { HYPERLIQUID_URL_ENV } from './urls.ts'

/** Hyperliquid perpetuals: one WebSocket with a subscription per coin and channel, REST POST /info. */
export const hyperliquid: ExchangeAdapter<typeof HYPERLIQUID_URL_ENV> = {
  id: 'hyperliquid',
  capabilities: {
    ohlc: true,
    open_interest: true,
    funding_rate: true,
    // no public market-wide liquidation feed exists; liquidations show only in per-user fills
    liquidations: false,
    large_trades: true,
    trades: true,
  },
  intervals: HYPERLIQUID_INTERVALS,
  toNative,
  fromNative,
  urlEnv: HYPERLIQUID_URL_ENV,
  limits: HYPERLIQUID_LIMITS,
  connections: createConnections,
  createParser,
  rest: { loadMarkets, candles, openInterest, fundingRate },
  polls: createPolls,
}
