import type { ExchangeAdapter } from '../adapter.ts'
import { candles, createPolls, fundingRate, loadMarkets, openInterest } from './calls.ts'
import { parseFrame } from './parse.ts'
import { createConnections } from './subscriptions.ts'
import { fromNative, HYPERLIQUID_INTERVALS, toNative } from './symbols.ts'

/** Hyperliquid perpetuals: one WebSocket with a subscription per coin and channel, REST POST /info. */
export const hyperliquid: ExchangeAdapter = {
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
  connections: createConnections,
  parse: parseFrame,
  rest: { loadMarkets, candles, openInterest, fundingRate },
  polls: createPolls,
}
