import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, LiveControl, StreamSpec, VenueLimits } from '../adapter.ts'
import { BYBIT_INTERVALS, intervalToNative, toNative } from './symbols.ts'
import type { BybitUrls } from './urls.ts'

/** Topics kept on one socket: well inside the 21,000-character `args` limit per request. */
export const MAX_TOPICS_PER_CONNECTION = 200
/** Topics per subscribe request, as Bybit's own examples and connectors batch them. */
export const TOPICS_PER_FRAME = 10

/**
 * ≤ 1000 market-data sockets per IP and ≤ 500 opened per 5 minutes per domain: keep well
 * inside both (600 symbols with 4 intervals need 21 sockets of 200 topics).
 */
export const BYBIT_LIMITS: VenueLimits = { maxConnections: 100, connectSpacingMs: 700 }

/** The application-level ping; linear answers `{"success":true,"ret_msg":"pong","op":"ping"}`. */
export const PING_FRAME = '{"op":"ping"}'

/** Topic names, which are also the stream names. */
export const topic = {
  trades: (symbol: string) => `publicTrade.${symbol}`,
  kline: (interval: Interval, symbol: string) => `kline.${intervalToNative(interval)}.${symbol}`,
  tickers: (symbol: string) => `tickers.${symbol}`,
  liquidations: (symbol: string) => `allLiquidation.${symbol}`,
}

/**
 * A symbol's topics. Tickers push every 100 ms whatever the market does, so only they may
 * declare the connection dead by their silence; trades and liquidations come when they happen,
 * and klines follow trades.
 */
function symbolStreams(symbol: string, intervals: readonly Interval[]): StreamSpec[] {
  return [
    { name: topic.tickers(symbol), busy: true },
    { name: topic.trades(symbol), busy: false },
    { name: topic.liquidations(symbol), busy: false },
    ...intervals.map((interval) => ({ name: topic.kline(interval, symbol), busy: false })),
  ]
}

export function subscribeFrame(topics: readonly string[], op = 'subscribe'): string {
  return JSON.stringify({ op, args: topics })
}

function batched(op: string, streams: readonly StreamSpec[]): string[] {
  const frames: string[] = []
  for (let i = 0; i < streams.length; i += TOPICS_PER_FRAME) {
    frames.push(
      subscribeFrame(
        streams.slice(i, i + TOPICS_PER_FRAME).map((s) => s.name),
        op
      )
    )
  }
  return frames
}

/** Topics go in subscribe / unsubscribe requests of ten. */
export function bybitControl(url: string): LiveControl {
  return {
    url: () => url,
    streamsInUrl: false,
    subscribe: (streams) => batched('subscribe', streams),
    unsubscribe: (streams) => batched('unsubscribe', streams),
    maxStreams: MAX_TOPICS_PER_CONNECTION,
  }
}

/**
 * Connections to BYBIT_WS_URL (the public linear endpoint), used exactly as given; a symbol's
 * topics never straddle two sockets.
 */
export function createConnections(
  urls: BybitUrls,
  symbols: readonly string[],
  intervals: readonly Interval[]
): ConnectionSpec[] {
  const url = urls.ws
  const served = intervals.filter((interval) => BYBIT_INTERVALS.includes(interval))

  const groups: StreamSpec[][] = []
  let current: StreamSpec[] = []
  for (const symbol of symbols) {
    if (toNative(symbol) === null) continue
    const streams = symbolStreams(symbol, served)
    if (current.length > 0 && current.length + streams.length > MAX_TOPICS_PER_CONNECTION) {
      groups.push(current)
      current = []
    }
    current.push(...streams)
  }
  if (current.length > 0) groups.push(current)

  const control = bybitControl(url)
  return groups.map((streams, index) => {
    return {
      id: `ws-${index}`,
      family: 'ws',
      url,
      control,
      subscribe: control.subscribe(streams),
      subscribeSpacingMs: 50,
      // Bybit asks for a ping every 20 s; a missing pong reveals a dead path.
      heartbeat: { kind: 'message', frame: PING_FRAME, intervalMs: 20_000, timeoutMs: 10_000 },
      streams,
      staleAfterMs: 30_000,
    }
  })
}
