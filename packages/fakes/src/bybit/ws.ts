import type WebSocket from 'ws'
import { bybitCanonicalInterval } from './events.ts'

/** Topics the fake serves: `publicTrade.X`, `tickers.X`, `allLiquidation.X`, `kline.<i>.X`. */
export function isBybitTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string') return false
  const parts = topic.split('.')
  const symbol = parts.at(-1) ?? ''
  if (!/^[A-Z0-9-]+$/.test(symbol)) return false
  if (parts.length === 2) return ['publicTrade', 'tickers', 'allLiquidation'].includes(parts[0]!)
  return (
    parts.length === 3 && parts[0] === 'kline' && bybitCanonicalInterval(parts[1]!) !== undefined
  )
}

/** One client connection: its topics and when it last sent anything. */
export class FakeBybitClient {
  readonly topics: string[] = []
  readonly connId = crypto.randomUUID()
  /** when each subscribe / unsubscribe request came (ms) */
  readonly requestTimes: number[] = []
  lastHeardAt: number

  constructor(
    readonly socket: WebSocket,
    readonly url: string,
    now: number
  ) {
    this.lastHeardAt = now
  }

  send(value: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(value))
  }

  deliver(topic: string, frame: unknown): void {
    if (this.topics.includes(topic)) this.send(frame)
  }

  private answer(op: string, reqId: unknown, success: boolean, retMsg: string): void {
    this.send({
      success,
      ret_msg: retMsg,
      conn_id: this.connId,
      req_id: typeof reqId === 'string' ? reqId : '',
      op,
    })
  }

  /**
   * Answers one client text frame as Bybit's linear endpoint does: ping → a pong envelope with
   * `op: "ping"` (unless `answerPing` is false), subscribe / unsubscribe → one ack per request,
   * `success: false` naming any topic it refuses; a new subscriber to a topic with a state
   * (`snapshotOf`) gets a snapshot. Returns true when the frame was a ping.
   */
  handleText(
    text: string,
    now: number,
    answerPing: boolean,
    snapshotOf: (topic: string) => unknown = () => undefined
  ): boolean {
    this.lastHeardAt = now
    let request: { op?: unknown; args?: unknown; req_id?: unknown }
    try {
      request = (JSON.parse(text) ?? {}) as typeof request
    } catch {
      this.answer('', undefined, false, `Invalid request: ${text.slice(0, 100)}`)
      return false
    }
    const { op, args, req_id: reqId } = request
    if (op === 'ping') {
      if (answerPing) this.answer('ping', reqId, true, 'pong')
      return true
    }
    if ((op !== 'subscribe' && op !== 'unsubscribe') || !Array.isArray(args)) {
      this.answer(typeof op === 'string' ? op : '', reqId, false, `Invalid op: ${String(op)}`)
      return false
    }
    this.requestTimes.push(now)
    const bad = args.filter((topic) => !isBybitTopic(topic))
    if (bad.length > 0) {
      this.answer(op, reqId, false, `Invalid topic :[${bad.map(String).join(',')}]`)
      return false
    }
    const added: string[] = []
    for (const topic of args as string[]) {
      const at = this.topics.indexOf(topic)
      if (op === 'subscribe' && at < 0) added.push(topic)
      if (op === 'unsubscribe' && at >= 0) this.topics.splice(at, 1)
    }
    this.topics.push(...added)
    this.answer(op, reqId, true, '')
    // a new tickers subscriber first gets the full state, as on Bybit; deltas follow
    for (const topic of added) {
      const data = snapshotOf(topic)
      if (data !== undefined) this.send({ topic, type: 'snapshot', ts: now, data })
    }
    return false
  }
}
