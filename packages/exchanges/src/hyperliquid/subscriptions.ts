import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, StreamSpec } from '../adapter.ts'
import { HYPERLIQUID_INTERVALS, toNative } from './symbols.ts'
import type { HyperliquidUrls } from './urls.ts'

/** Subscriptions kept on one socket (Hyperliquid allows 1000 per IP and 10 sockets). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 250

/** The application-level ping; the venue answers `{"channel":"pong"}`. */
export const PING_FRAME = '{"method":"ping"}'

/** Stream names: the subscription's type and coin (and interval), e.g. `candle:BTC:1m`. */
export const streamName = {
  trades: (coin: string) => `trades:${coin}`,
  candle: (coin: string, interval: string) => `candle:${coin}:${interval}`,
  activeAssetCtx: (coin: string) => `activeAssetCtx:${coin}`,
}

export type HyperliquidSubscription =
  | { type: 'trades'; coin: string }
  | { type: 'candle'; coin: string; interval: string }
  | { type: 'activeAssetCtx'; coin: string }

interface Planned {
  stream: StreamSpec
  subscription: HyperliquidSubscription
}

/**
 * A coin's subscriptions: trades, its context (OI, funding, mark) and a candle per interval.
 * Trades and candles are pushed only when the coin trades, so only the context (pushed
 * continuously) may declare the connection dead by its silence.
 */
function coinSubscriptions(coin: string, intervals: readonly Interval[]): Planned[] {
  return [
    {
      stream: { name: streamName.trades(coin), busy: false },
      subscription: { type: 'trades', coin },
    },
    {
      stream: { name: streamName.activeAssetCtx(coin), busy: true },
      subscription: { type: 'activeAssetCtx', coin },
    },
    ...intervals.map((interval) => ({
      stream: { name: streamName.candle(coin, interval), busy: false },
      subscription: { type: 'candle', coin, interval } as const,
    })),
  ]
}

export function subscribeFrame(subscription: HyperliquidSubscription): string {
  return JSON.stringify({ method: 'subscribe', subscription })
}

/**
 * Connections to HYPERLIQUID_WS_URL, used exactly as given. One subscribe message per
 * subscription, spaced 60 ms (≤ 17 a second, well inside 2000 a minute per IP); a coin's
 * subscriptions never straddle two sockets. Intervals Hyperliquid lacks (6h) are skipped.
 */
export function createConnections(
  urls: HyperliquidUrls,
  symbols: readonly string[],
  intervals: readonly Interval[]
): ConnectionSpec[] {
  const url = urls.ws
  const served = intervals.filter((interval) => HYPERLIQUID_INTERVALS.includes(interval))

  const groups: Planned[][] = []
  let current: Planned[] = []
  for (const symbol of symbols) {
    const coin = toNative(symbol)
    if (coin === null) continue
    const planned = coinSubscriptions(coin, served)
    if (current.length > 0 && current.length + planned.length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      groups.push(current)
      current = []
    }
    current.push(...planned)
  }
  if (current.length > 0) groups.push(current)

  return groups.map((planned, index) => ({
    id: `ws-${index}`,
    url,
    subscribe: planned.map((item) => subscribeFrame(item.subscription)),
    subscribeSpacingMs: 60,
    // The venue cuts a socket after 60 s without traffic; a ping every 30 s keeps it alive
    // whatever the market does, and a missing pong reveals a dead path.
    heartbeat: { kind: 'message', frame: PING_FRAME, intervalMs: 30_000, timeoutMs: 10_000 },
    streams: planned.map((item) => item.stream),
    staleAfterMs: 60_000,
  }))
}
