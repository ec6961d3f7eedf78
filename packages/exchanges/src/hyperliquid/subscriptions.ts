import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, LiveControl, StreamSpec, VenueLimits } from '../adapter.ts'
import { HYPERLIQUID_INTERVALS, toNative } from './symbols.ts'
import type { HyperliquidUrls } from './urls.ts'

/** Subscriptions kept on one socket (Hyperliquid allows 1000 per IP and 10 sockets). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 250
/** Subscriptions the ingestor keeps in all, under the venue's 1000 per IP. */
export const SUBSCRIPTION_BUDGET = 900
/** Subscribe messages per minute across every socket, under the venue's 2000 per IP. */
export const MESSAGES_PER_MINUTE = 1_700

export const HYPERLIQUID_LIMITS: VenueLimits = {
  maxConnections: 10,
  maxStreams: SUBSCRIPTION_BUDGET,
  // 30 new connections a minute per IP
  connectSpacingMs: 2_000,
}

/**
 * Whether every coin's context (OI, funding, mark) can stream: trades and contexts for every
 * coin must fit the budget; when they do not, `metaAndAssetCtxs` is polled for all coins.
 */
export function streamsContexts(coins: number): boolean {
  return 2 * coins <= SUBSCRIPTION_BUDGET
}

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
function coinSubscriptions(
  coin: string,
  withContext: boolean,
  intervals: readonly Interval[]
): Planned[] {
  const planned = (subscription: HyperliquidSubscription, name: string, busy: boolean) => ({
    stream: { name, busy, arg: subscription },
    subscription,
  })
  return [
    planned({ type: 'trades', coin }, streamName.trades(coin), false),
    ...(withContext
      ? [planned({ type: 'activeAssetCtx', coin }, streamName.activeAssetCtx(coin), true)]
      : []),
    ...intervals.map((interval) =>
      planned({ type: 'candle', coin, interval }, streamName.candle(coin, interval), false)
    ),
  ]
}

/**
 * The candle intervals that fit the subscription budget for `coins` coins, in the order given:
 * a whole interval or none, so a series is either streamed for every coin or fetched by REST
 * on a miss for every coin.
 */
export function streamedIntervals(coins: number, intervals: readonly Interval[]): Interval[] {
  let used = coins * (streamsContexts(coins) ? 2 : 1)
  const kept: Interval[] = []
  for (const interval of intervals) {
    if (used + coins > SUBSCRIPTION_BUDGET) break
    used += coins
    kept.push(interval)
  }
  return kept
}

function frames(method: 'subscribe' | 'unsubscribe', streams: readonly StreamSpec[]): string[] {
  return streams.map((stream) => JSON.stringify({ method, subscription: stream.arg }))
}

/** One message per subscription, as Hyperliquid takes them. */
export function hyperliquidControl(url: string): LiveControl {
  return {
    url: () => url,
    streamsInUrl: false,
    subscribe: (streams) => frames('subscribe', streams),
    unsubscribe: (streams) => frames('unsubscribe', streams),
    maxStreams: MAX_SUBSCRIPTIONS_PER_CONNECTION,
  }
}

export function subscribeFrame(subscription: HyperliquidSubscription): string {
  return JSON.stringify({ method: 'subscribe', subscription })
}

/**
 * Connections to HYPERLIQUID_WS_URL, used exactly as given. One subscribe message per
 * subscription, spaced so all sockets together stay under 1700 a minute (2000 per IP); a coin's
 * subscriptions never straddle two sockets. Intervals Hyperliquid lacks (6h) are skipped. With
 * many coins the 1000-subscription cap decides: trades always, contexts while 2 per coin fit,
 * then whole candle intervals in the order configured while they fit (see README).
 */
export function createConnections(
  urls: HyperliquidUrls,
  symbols: readonly string[],
  intervals: readonly Interval[]
): ConnectionSpec[] {
  const url = urls.ws
  const coins = symbols.flatMap((symbol) => toNative(symbol) ?? [])
  const served = streamedIntervals(
    coins.length,
    intervals.filter((interval) => HYPERLIQUID_INTERVALS.includes(interval))
  )
  const withContext = streamsContexts(coins.length)

  const groups: Planned[][] = []
  let current: Planned[] = []
  for (const coin of coins) {
    const planned = coinSubscriptions(coin, withContext, served)
    if (current.length > 0 && current.length + planned.length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      groups.push(current)
      current = []
    }
    current.push(...planned)
  }
  if (current.length > 0) groups.push(current)

  const perSocketPerMinute = MESSAGES_PER_MINUTE / Math.max(1, groups.length)
  return groups.map((planned, index) => ({
    id: `ws-${index}`,
    family: 'ws',
    url,
    subscribe: planned.map((item) => subscribeFrame(item.subscription)),
    subscribeSpacingMs: Math.max(60, Math.ceil(60_000 / perSocketPerMinute)),
    control: hyperliquidControl(url),
    // The venue cuts a socket after 60 s without traffic; a ping every 30 s keeps it alive
    // whatever the market does, and a missing pong reveals a dead path.
    heartbeat: { kind: 'message', frame: PING_FRAME, intervalMs: 30_000, timeoutMs: 10_000 },
    streams: planned.map((item) => item.stream),
    staleAfterMs: 60_000,
  }))
}
