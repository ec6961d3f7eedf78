import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, StreamSpec } from '../adapter.ts'
import { barOf, OKX_INTERVALS, toNative } from './symbols.ts'
import type { OkxUrls } from './urls.ts'

/** Channel args per subscribe request: one request costs one of 480 an hour per connection. */
export const ARGS_PER_FRAME = 50
/** The text ping; OKX answers the text `pong`. */
export const PING_FRAME = 'ping'

export interface OkxArg {
  channel: string
  instId?: string
  instType?: string
}

/** Stream names: `channel:instId`, or `liquidation-orders:SWAP` for the one per-type channel. */
export function streamOf(arg: OkxArg): string {
  return `${arg.channel}:${arg.instId ?? arg.instType ?? ''}`
}

export function subscribeFrames(args: readonly OkxArg[]): string[] {
  const frames: string[] = []
  for (let i = 0; i < args.length; i += ARGS_PER_FRAME) {
    frames.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + ARGS_PER_FRAME) }))
  }
  return frames
}

function connection(
  id: string,
  url: string,
  planned: { arg: OkxArg; busy: boolean }[]
): ConnectionSpec {
  const streams: StreamSpec[] = planned.map(({ arg, busy }) => ({ name: streamOf(arg), busy }))
  return {
    id,
    url,
    subscribe: subscribeFrames(planned.map(({ arg }) => arg)),
    subscribeSpacingMs: 400,
    // OKX closes a socket that got no data for 30 s; a ping after 20 s keeps a quiet one open
    // and a missing pong reveals a dead path
    heartbeat: { kind: 'message', frame: PING_FRAME, intervalMs: 20_000, timeoutMs: 10_000 },
    streams,
    staleAfterMs: 30_000,
  }
}

/**
 * Two sockets: the public one (trades, open interest, funding, mark price, and every swap's
 * liquidations on one channel) and the business one, where OKX serves candles.
 */
export function createConnections(
  urls: OkxUrls,
  symbols: readonly string[],
  intervals: readonly Interval[]
): ConnectionSpec[] {
  const instIds = symbols.flatMap((symbol) => toNative(symbol) ?? [])
  const served = intervals.filter((interval) => OKX_INTERVALS.includes(interval))

  if (instIds.length === 0) return []
  const publicArgs: { arg: OkxArg; busy: boolean }[] = instIds.flatMap((instId) => [
    // the mark price is pushed at least every 10 s: its silence means a dead socket
    { arg: { channel: 'mark-price', instId }, busy: true },
    { arg: { channel: 'trades', instId }, busy: false },
    { arg: { channel: 'open-interest', instId }, busy: false },
    { arg: { channel: 'funding-rate', instId }, busy: false },
  ])
  publicArgs.push({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, busy: false })
  const candleArgs = instIds.flatMap((instId) =>
    served.map((interval) => ({
      arg: { channel: `candle${barOf(interval)}`, instId },
      busy: false,
    }))
  )
  return [
    connection('public', urls.publicWs, publicArgs),
    ...(candleArgs.length > 0 ? [connection('business', urls.businessWs, candleArgs)] : []),
  ]
}
