import type { Interval } from '@takashi/schemas'
import type { ConnectionSpec, LiveControl, StreamSpec, VenueLimits } from '../adapter.ts'
import { barOf, OKX_INTERVALS, toNative } from './symbols.ts'
import type { OkxUrls } from './urls.ts'

/** Channel args per subscribe request: one request costs one of 480 an hour per connection. */
export const ARGS_PER_FRAME = 50
/** Channel args kept on one socket: 8 subscribe requests of the 480 an hour each socket has. */
export const MAX_ARGS_PER_CONNECTION = 400
/** subscribe / unsubscribe / login requests per socket and hour */
export const REQUESTS_PER_HOUR = 480

/** New connections: 3 a second per IP. */
export const OKX_LIMITS: VenueLimits = { maxConnections: 30, connectSpacingMs: 400 }

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

export function subscribeFrames(args: readonly unknown[], op = 'subscribe'): string[] {
  const frames: string[] = []
  for (let i = 0; i < args.length; i += ARGS_PER_FRAME) {
    frames.push(JSON.stringify({ op, args: args.slice(i, i + ARGS_PER_FRAME) }))
  }
  return frames
}

/** Args in requests of 50 (far under 64 KB), each request one of the socket's 480 an hour. */
export function okxControl(url: string): LiveControl {
  const argsOf = (streams: readonly StreamSpec[]) => streams.map((stream) => stream.arg)
  return {
    url: () => url,
    streamsInUrl: false,
    subscribe: (streams) => subscribeFrames(argsOf(streams)),
    unsubscribe: (streams) => subscribeFrames(argsOf(streams), 'unsubscribe'),
    maxStreams: MAX_ARGS_PER_CONNECTION,
    requestsPerHour: REQUESTS_PER_HOUR,
  }
}

/** Sockets of a family: the first keeps the family's name (`public`), later ones `public-1`… */
function shard(
  family: string,
  url: string,
  planned: { arg: OkxArg; busy: boolean }[]
): ConnectionSpec[] {
  const specs: ConnectionSpec[] = []
  for (let i = 0; i < planned.length; i += MAX_ARGS_PER_CONNECTION) {
    const index = i / MAX_ARGS_PER_CONNECTION
    const id = index === 0 ? family : `${family}-${index}`
    specs.push(connection(id, family, url, planned.slice(i, i + MAX_ARGS_PER_CONNECTION)))
  }
  return specs
}

function connection(
  id: string,
  family: string,
  url: string,
  planned: { arg: OkxArg; busy: boolean }[]
): ConnectionSpec {
  const streams: StreamSpec[] = planned.map(({ arg, busy }) => ({
    name: streamOf(arg),
    busy,
    arg,
  }))
  return {
    id,
    family,
    control: okxControl(url),
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
  // the one per-type liquidation channel first, so the first public socket carries it
  const publicArgs: { arg: OkxArg; busy: boolean }[] = [
    { arg: { channel: 'liquidation-orders', instType: 'SWAP' }, busy: false },
  ]
  for (const instId of instIds) {
    publicArgs.push(
      // the mark price is pushed at least every 10 s: its silence means a dead socket
      { arg: { channel: 'mark-price', instId }, busy: true },
      { arg: { channel: 'trades', instId }, busy: false },
      { arg: { channel: 'open-interest', instId }, busy: false },
      { arg: { channel: 'funding-rate', instId }, busy: false }
    )
  }
  const candleArgs = instIds.flatMap((instId) =>
    served.map((interval) => ({
      arg: { channel: `candle${barOf(interval)}`, instId },
      busy: false,
    }))
  )
  return [
    ...shard('public', urls.publicWs, publicArgs),
    ...shard('business', urls.businessWs, candleArgs),
  ]
}
