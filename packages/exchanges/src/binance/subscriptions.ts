import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, LiveControl, StreamSpec, VenueLimits } from '../adapter.ts'
import { streamSymbol } from './symbols.ts'
import type { BinanceUrls } from './urls.ts'

/** Binance closes connections that ask for more streams than this. */
export const MAX_STREAMS_PER_CONNECTION = 200

/** Streams named in one SUBSCRIBE / UNSUBSCRIBE request. */
export const STREAMS_PER_FRAME = 50
/**
 * From this many symbols on, liquidations come from the one market-wide `!forceOrder@arr`
 * stream (filtered to the tracked symbols) instead of a stream per symbol.
 */
export const MARKET_WIDE_LIQUIDATIONS_FROM = 20

/** Stream names, as Binance spells them (lower-case symbol). */
export const streamName = {
  aggTrade: (symbol: string) => `${streamSymbol(symbol)}@aggTrade`,
  kline: (symbol: string, interval: string) => `${streamSymbol(symbol)}@kline_${interval}`,
  forceOrder: (symbol: string) => `${streamSymbol(symbol)}@forceOrder`,
  markPrice: (symbol: string) => `${streamSymbol(symbol)}@markPrice@1s`,
  /** every symbol's liquidations, one event per symbol and second at most */
  allForceOrders: () => '!forceOrder@arr',
}

/** Binance publishes no per-IP socket count; 300 connection attempts per 5 min is the spot rule. */
export const BINANCE_LIMITS: VenueLimits = { maxConnections: 50, connectSpacingMs: 250 }

/** The streams of one symbol; liquidations are quiet, so silence there is not a dead socket. */
export function symbolStreams(
  symbol: string,
  intervals: readonly Interval[],
  withLiquidations = true
): StreamSpec[] {
  return [
    { name: streamName.aggTrade(symbol), busy: true },
    ...(withLiquidations ? [{ name: streamName.forceOrder(symbol), busy: false }] : []),
    { name: streamName.markPrice(symbol), busy: true },
    ...intervals.map((interval) => ({ name: streamName.kline(symbol, interval), busy: true })),
  ]
}

function controlFrames(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', streams: readonly StreamSpec[]) {
  const frames: string[] = []
  for (let i = 0; i < streams.length; i += STREAMS_PER_FRAME) {
    const params = streams.slice(i, i + STREAMS_PER_FRAME).map((stream) => stream.name)
    frames.push(JSON.stringify({ method, params, id: Math.floor(i / STREAMS_PER_FRAME) + 1 }))
  }
  return frames
}

/** Streams live in the URL at connect; later changes go as SUBSCRIBE / UNSUBSCRIBE frames. */
export function binanceControl(root: string): LiveControl {
  return {
    url: (streams) => `${root}/market/stream?streams=${streams.map((s) => s.name).join('/')}`,
    streamsInUrl: true,
    subscribe: (streams) => controlFrames('SUBSCRIBE', streams),
    unsubscribe: (streams) => controlFrames('UNSUBSCRIBE', streams),
    maxStreams: MAX_STREAMS_PER_CONNECTION,
  }
}

/**
 * Combined-stream connections on the routed `/market` path (aggTrade, kline, markPrice and
 * forceOrder are not delivered on the legacy root since 2026-04-23). Streams are in the URL,
 * so a reconnect re-establishes them without SUBSCRIBE frames. A symbol's streams stay on
 * one connection; a new connection starts when the next symbol would pass 200 streams.
 */
export function createConnections(
  urls: BinanceUrls,
  symbols: readonly string[],
  intervals: readonly Interval[]
): ConnectionSpec[] {
  const root = urls.ws.replace(/\/+$/, '')
  const control = binanceControl(root)
  const marketWide = symbols.length >= MARKET_WIDE_LIQUIDATIONS_FROM

  const groups: StreamSpec[][] = []
  let current: StreamSpec[] = marketWide ? [{ name: streamName.allForceOrders(), busy: false }] : []
  for (const symbol of symbols) {
    const streams = symbolStreams(symbol, intervals, !marketWide)
    if (current.length > 0 && current.length + streams.length > MAX_STREAMS_PER_CONNECTION) {
      groups.push(current)
      current = []
    }
    current.push(...streams)
  }
  if (current.length > 0) groups.push(current)

  return groups.map((streams, index) => ({
    id: `market-${index}`,
    family: 'market',
    url: control.url(streams),
    subscribe: [],
    // Binance drops a connection sending more than 10 messages a second.
    subscribeSpacingMs: 250,
    // Binance pings every 3 min itself; our own ping notices a dead TCP path much sooner.
    heartbeat: { kind: 'protocol', intervalMs: 15_000, timeoutMs: 10_000 },
    streams,
    staleAfterMs: 30_000,
    control,
  }))
}
