import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, StreamSpec } from '../adapter.ts'
import { streamSymbol } from './symbols.ts'
import type { BinanceUrls } from './urls.ts'

/** Binance closes connections that ask for more streams than this. */
export const MAX_STREAMS_PER_CONNECTION = 200

/** Stream names, as Binance spells them (lower-case symbol). */
export const streamName = {
  aggTrade: (symbol: string) => `${streamSymbol(symbol)}@aggTrade`,
  kline: (symbol: string, interval: string) => `${streamSymbol(symbol)}@kline_${interval}`,
  forceOrder: (symbol: string) => `${streamSymbol(symbol)}@forceOrder`,
  markPrice: (symbol: string) => `${streamSymbol(symbol)}@markPrice@1s`,
}

/** The streams of one symbol; liquidations are quiet, so silence there is not a dead socket. */
export function symbolStreams(symbol: string, intervals: readonly Interval[]): StreamSpec[] {
  return [
    { name: streamName.aggTrade(symbol), busy: true },
    { name: streamName.forceOrder(symbol), busy: false },
    { name: streamName.markPrice(symbol), busy: true },
    ...intervals.map((interval) => ({ name: streamName.kline(symbol, interval), busy: true })),
  ]
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

  const groups: StreamSpec[][] = []
  let current: StreamSpec[] = []
  for (const symbol of symbols) {
    const streams = symbolStreams(symbol, intervals)
    if (current.length > 0 && current.length + streams.length > MAX_STREAMS_PER_CONNECTION) {
      groups.push(current)
      current = []
    }
    current.push(...streams)
  }
  if (current.length > 0) groups.push(current)

  return groups.map((streams, index) => ({
    id: `market-${index}`,
    url: `${root}/market/stream?streams=${streams.map((stream) => stream.name).join('/')}`,
    subscribe: [],
    // Binance drops a connection sending more than 10 messages a second.
    subscribeSpacingMs: 250,
    // Binance pings every 3 min itself; our own ping notices a dead TCP path much sooner.
    heartbeat: { kind: 'protocol', intervalMs: 15_000, timeoutMs: 10_000 },
    streams,
    staleAfterMs: 30_000,
  }))
}
