import type WebSocket from 'ws'
import { SendTimedClient } from '../venue-server.ts'
import { okxCanonicalInterval } from './events.ts'

export type OkxPath = 'public' | 'business'
const PUBLIC_CHANNELS = new Set([
  'trades',
  'open-interest',
  'funding-rate',
  'mark-price',
  'liquidation-orders',
  'tickers',
])

export interface OkxArg {
  channel: string
  instId?: string
  instType?: string
}

/** The key of a subscription: `trades:BTC-USDT-SWAP`, `liquidation-orders:SWAP`. */
export const okxKey = (arg: OkxArg) => `${arg.channel}:${arg.instId ?? arg.instType ?? ''}`

/** Why OKX refuses `arg` on `path`, as an error event's code and message; undefined when served. */
function refusal(arg: unknown, path: OkxPath): { code: string; msg: string } | undefined {
  const { channel, instId, instType } = (arg ?? {}) as Record<string, unknown>
  if (typeof channel !== 'string')
    return { code: '60012', msg: `Invalid request: ${JSON.stringify(arg)}` }
  const candle = channel.startsWith('candle')
  if (candle && okxCanonicalInterval(channel.slice('candle'.length)) === undefined) {
    return { code: '60018', msg: `Wrong URL or channel:${channel} doesn't exist.` }
  }
  if (candle && path === 'public')
    return { code: '64001', msg: 'The channel has been migrated to business endpoint' }
  if (!candle && !PUBLIC_CHANNELS.has(channel))
    return { code: '60018', msg: `Wrong URL or channel:${channel} doesn't exist.` }
  if (!candle && path === 'business')
    return { code: '64002', msg: `${channel} is not supported on business endpoint` }
  if (
    channel === 'liquidation-orders' ? typeof instType !== 'string' : typeof instId !== 'string'
  ) {
    return { code: '60012', msg: `Invalid request: ${JSON.stringify(arg)}` }
  }
  return undefined
}

/** One client connection on the public or business path. */
export class FakeOkxClient extends SendTimedClient {
  readonly keys: string[] = []
  readonly connId = Math.random().toString(16).slice(2, 10)
  /** when each subscribe / unsubscribe request came (ms): OKX allows 480 an hour */
  readonly requestTimes: number[] = []

  constructor(
    socket: WebSocket,
    url: string,
    readonly path: OkxPath,
    now: number
  ) {
    super(socket, url, now)
  }

  deliver(arg: OkxArg, data: unknown[], now: number): void {
    if (this.keys.includes(okxKey(arg))) this.send({ arg, data }, now)
  }

  /** OKX's error 60012 for a frame that is no request, quoting its start; false (not a ping). */
  private invalidRequest(text: string, now: number, echo: { id?: string } = {}): false {
    const msg = `Invalid request: ${text.slice(0, 100)}`
    this.send({ ...echo, event: 'error', code: '60012', msg, connId: this.connId }, now)
    return false
  }

  /**
   * Answers a client text frame as OKX does: `ping` → `pong` (unless `answerPing` is false);
   * subscribe / unsubscribe → one ack per arg, or one error event for the first refused arg.
   * Returns true when the frame was a ping.
   */
  handleText(text: string, now: number, answerPing: boolean): boolean {
    if (text === 'ping') {
      if (answerPing) this.sendText('pong', now)
      return true
    }
    let request: { id?: unknown; op?: unknown; args?: unknown }
    try {
      request = (JSON.parse(text) ?? {}) as typeof request
    } catch {
      return this.invalidRequest(text, now)
    }
    const { id, op, args } = request
    const echo = typeof id === 'string' ? { id } : {}
    if ((op !== 'subscribe' && op !== 'unsubscribe') || !Array.isArray(args)) {
      return this.invalidRequest(text, now, echo)
    }
    this.requestTimes.push(now)
    for (const arg of args) {
      const refused = refusal(arg, this.path)
      if (refused) {
        this.send({ ...echo, event: 'error', ...refused, connId: this.connId }, now)
        return false
      }
    }
    for (const arg of args as OkxArg[]) {
      const key = okxKey(arg)
      const at = this.keys.indexOf(key)
      if (op === 'subscribe' && at < 0) this.keys.push(key)
      if (op === 'unsubscribe' && at >= 0) this.keys.splice(at, 1)
      this.send({ ...echo, event: op, arg, connId: this.connId }, now)
    }
    return false
  }
}
