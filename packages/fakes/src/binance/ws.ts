import type WebSocket from 'ws'

/** Where a connection was opened: the routed `/public` or `/market` bases, or the retired root. */
export type BinanceRoute = 'public' | 'market' | 'legacy'

export interface BinanceWsPath {
  route: BinanceRoute
  combined: boolean
  /** streams named in the URL */
  streams: string[]
}

const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY']
/** Binance's inbound limit: more than this many frames within one second closes the connection. */
export const MAX_INCOMING_PER_SECOND = 10

/** Every symbol's liquidations on one stream. */
export const ALL_FORCE_ORDERS = '!forceOrder@arr'

/** Parses an upgrade URL into route and mode; undefined means 404. */
export function parseWsPath(url: string): BinanceWsPath | undefined {
  const parsed = new URL(url, 'ws://fake')
  const match = /^(?:\/(public|market))?\/(ws|stream)(\/.*)?$/.exec(parsed.pathname)
  if (!match) return undefined
  const route: BinanceRoute = match[1] === 'public' || match[1] === 'market' ? match[1] : 'legacy'
  const tail = match[3] ?? ''
  if (match[2] === 'stream') {
    if (tail !== '' && tail !== '/') return undefined
    const streams = (parsed.searchParams.get('streams') ?? '').split('/').filter(Boolean)
    return { route, combined: true, streams }
  }
  return { route, combined: false, streams: tail.split('/').filter(Boolean) }
}

/** bookTicker and depth streams are the high-frequency `/public` family; all else is `/market`. */
export function isPublicStream(stream: string): boolean {
  const kind = stream.startsWith('!') ? stream.slice(1) : (stream.split('@')[1] ?? '')
  return kind.startsWith('bookTicker') || kind.startsWith('depth')
}

/** Whether a connection on `route` is sent events of `stream` (the root lost market streams on 2026-04-23). */
export function routeDelivers(route: BinanceRoute, stream: string): boolean {
  return route === 'market' ? !isPublicStream(stream) : isPublicStream(stream)
}

/** One client connection: its subscriptions, mode and inbound-rate bookkeeping. */
export class FakeBinanceClient {
  readonly streams: string[]
  combined: boolean
  lastPongAt: number
  /** when each SUBSCRIBE / UNSUBSCRIBE request came (ms) */
  readonly requestTimes: number[] = []
  private readonly incoming: number[] = []

  constructor(
    readonly socket: WebSocket,
    readonly url: string,
    readonly path: BinanceWsPath,
    now: number
  ) {
    this.streams = [...new Set(path.streams)]
    this.combined = path.combined
    this.lastPongAt = now
  }

  get pathname(): string {
    return new URL(this.url, 'ws://fake').pathname
  }

  /** Counts one inbound frame; true when the connection is over Binance's per-second limit. */
  countIncoming(now: number): boolean {
    this.incoming.push(now)
    while (this.incoming.length > 0 && (this.incoming[0] ?? now) <= now - 1000)
      this.incoming.shift()
    return this.incoming.length > MAX_INCOMING_PER_SECOND
  }

  deliver(stream: string, data: unknown): void {
    if (!this.streams.includes(stream) || !routeDelivers(this.path.route, stream)) return
    this.send(this.combined ? { stream, data } : data)
  }

  /** A symbol's liquidation also goes to `!forceOrder@arr`, the every-symbol stream. */
  deliverEvent(stream: string, data: unknown): void {
    this.deliver(stream, data)
    if (stream.endsWith('@forceOrder')) this.deliver(ALL_FORCE_ORDERS, data)
  }

  send(value: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(value))
  }

  /** Answers one client text frame the way Binance does (acks, lists, properties, error frames). */
  handleText(text: string, now = Date.now()): void {
    let request: unknown
    try {
      request = JSON.parse(text)
    } catch {
      return this.send({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' })
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return this.send({ code: 2, msg: 'Invalid request: expected a map at line 1 column 1' })
    }
    const { method, params, id } = request as { method?: unknown; params?: unknown; id?: unknown }
    if (method === undefined) {
      return this.send({
        code: 2,
        msg: `Invalid request: missing field \`method\` at line 1 column ${text.length}`,
      })
    }
    if (typeof method !== 'string' || !METHODS.includes(method)) {
      const shown = JSON.stringify(method)
      const column = text.indexOf(shown) + shown.length
      const expected = METHODS.map((name) => `\`${name}\``).join(', ')
      return this.send({
        code: 2,
        msg: `Invalid request: unknown variant \`${typeof method === 'string' ? method : shown}\`, expected one of ${expected} at line 1 column ${column}`,
      })
    }
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      return this.send({ code: 2, msg: 'Invalid request: request ID must be an unsigned integer' })
    }
    switch (method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || params.some((name) => typeof name !== 'string')) {
          return this.send({
            code: 2,
            msg: 'Invalid request: invalid type: expected a sequence of strings',
          })
        }
        this.requestTimes.push(now)
        for (const name of params as string[]) {
          const at = this.streams.indexOf(name)
          if (method === 'SUBSCRIBE' && at < 0) this.streams.push(name)
          if (method === 'UNSUBSCRIBE' && at >= 0) this.streams.splice(at, 1)
        }
        return this.send({ result: null, id })
      }
      case 'LIST_SUBSCRIPTIONS':
        return this.send({ result: [...this.streams], id })
      case 'SET_PROPERTY':
      case 'GET_PROPERTY': {
        const [name, value] = Array.isArray(params) ? (params as unknown[]) : []
        if (typeof name !== 'string') {
          return this.send({ code: 2, msg: 'Invalid request: property name must be a string' })
        }
        if (name !== 'combined') return this.send({ code: 0, msg: 'Unknown property', id })
        if (method === 'GET_PROPERTY') return this.send({ result: this.combined, id })
        if (typeof value !== 'boolean') {
          return this.send({ code: 1, msg: 'Invalid value type: expected Boolean' })
        }
        this.combined = value
        return this.send({ result: null, id })
      }
    }
  }
}
