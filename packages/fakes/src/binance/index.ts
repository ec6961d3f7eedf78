import { createFakeBinanceRest, type FakeBinanceRest, type RecordedRequest } from './rest.ts'
import { FakeBinanceClient, parseWsPath, type BinanceRoute } from './ws.ts'
import { startFakeVenue, type FakeVenue } from '../fake-venue.ts'

export * from './events.ts'
export type {
  BinanceFundingRow,
  BinanceOpenInterestHistRow,
  BinancePremiumIndexValue,
  FakeBinanceRest,
  RecordedRequest,
} from './rest.ts'
export { WEIGHT_LIMIT_1M } from './rest.ts'
export {
  ALL_FORCE_ORDERS,
  isPublicStream,
  MAX_INCOMING_PER_SECOND,
  type BinanceRoute,
} from './ws.ts'

export interface FakeBinanceOptions {
  /** a fixed port; default 0 (any free port) */
  port?: number
  /** the perpetuals exchangeInfo lists (canonical = Binance names); default BTCUSDT, ETHUSDT */
  symbols?: readonly string[]
  /** server protocol pings; default 180000 like Binance */
  pingIntervalMs?: number
  /** a client that has not answered a ping for this long is dropped; default 600000 like Binance */
  pongTimeoutMs?: number
  /** connections are cut after this long; default 24 h like Binance */
  lifetimeMs?: number
  /** clock for the REST weight window and event bookkeeping; default Date.now */
  now?: () => number
}

export interface FakeBinanceConnection {
  /** the URL path the client opened, e.g. `/market/stream` or `/market/ws/btcusdt@aggTrade` */
  path: string
  /** current subscriptions, in subscription order (URL streams first) */
  streams: string[]
  /** path and query as requested */
  url: string
  route: BinanceRoute
  combined: boolean
  /** when each SUBSCRIBE / UNSUBSCRIBE request came (ms) */
  requestTimes: number[]
}

/** A Binance USD-M venue on 127.0.0.1 speaking the real WebSocket and REST protocol. */
export interface FakeBinance extends FakeVenue<FakeBinanceRest, RecordedRequest> {
  /** what BINANCE_WS_URL is set to: `ws://127.0.0.1:<port>` */
  wsUrl: string
  /**
   * delivers an event to every client subscribed to `stream` on a path that carries it; a
   * `<symbol>@forceOrder` event also to `!forceOrder@arr` subscribers, as Binance does
   */
  emit(stream: string, data: unknown): void
  /** sends a raw text frame to every client */
  emitRaw(text: string): void
  connections(): FakeBinanceConnection[]
}

/** Starts the fake venue; one HTTP server answers REST and WebSocket upgrades. */
export async function startFakeBinance(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  const now = options.now ?? Date.now
  const pongTimeoutMs = options.pongTimeoutMs ?? 600_000
  const lifetimeMs = options.lifetimeMs ?? 24 * 3_600_000

  const { server, venue } = await startFakeVenue({
    name: 'fake Binance',
    port: options.port,
    rest: createFakeBinanceRest(now, options.symbols),
    restFailure: (error) => ({
      contentType: 'application/json',
      body: JSON.stringify({ code: -1000, msg: String(error) }),
    }),
    route: parseWsPath,
    connect(ws, url, path, pings) {
      const client = new FakeBinanceClient(ws, url, path, now())
      const lifetime = setTimeout(() => ws.close(1000, 'connection lifetime reached'), lifetimeMs)
      ws.on('close', () => clearTimeout(lifetime))
      ws.on('ping', (data) => {
        pings.received += 1
        if (inbound(client) && pings.answering) ws.pong(data)
      })
      ws.on('pong', () => {
        client.lastPongAt = now()
        inbound(client)
      })
      return client
    },
    onText(client, text) {
      if (inbound(client)) client.handleText(text, now())
    },
    subscriptions: (client) => client.streams,
    // server pings; a client silent past the pong timeout is dropped
    sweep: {
      everyMs: options.pingIntervalMs ?? 180_000,
      client(client) {
        if (now() - client.lastPongAt > pongTimeoutMs) client.socket.terminate()
        else client.socket.ping()
      },
    },
  })
  /** Counts an inbound frame; a client over Binance's per-second limit is closed. */
  function inbound(client: FakeBinanceClient): boolean {
    if (!client.countIncoming(now())) return true
    client.socket.close(1008, 'Too many messages')
    return false
  }

  return {
    ...venue,
    wsUrl: `ws://127.0.0.1:${venue.port}`,
    emit(stream, data) {
      for (const client of server.clients) client.deliverEvent(stream, data)
    },
    emitRaw(text) {
      for (const client of server.open()) client.socket.send(text)
    },
    connections() {
      return [...server.clients].map((client) => ({
        path: client.pathname,
        streams: [...client.streams],
        url: client.url,
        route: client.path.route,
        combined: client.combined,
        requestTimes: [...client.requestTimes],
      }))
    },
  }
}
