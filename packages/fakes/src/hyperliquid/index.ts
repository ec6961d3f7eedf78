import {
  createFakeHyperliquidRest,
  type FakeHyperliquidRest,
  type RecordedInfoRequest,
} from './rest.ts'
import { FakeHyperliquidClient } from './ws.ts'
import { idleCheckMs, startFakeVenue, type FakeVenue } from '../fake-venue.ts'

export * from './events.ts'
export type { FakeHyperliquidRest, HyperliquidAsset, RecordedInfoRequest } from './rest.ts'
export {
  DEFAULT_UNIVERSE as HYPERLIQUID_DEFAULT_UNIVERSE,
  HYPERLIQUID_WEIGHT_LIMIT_1M,
} from './rest.ts'
export { MAX_SUBSCRIPTIONS as HYPERLIQUID_MAX_SUBSCRIPTIONS } from './ws.ts'

/** The text Hyperliquid may send first on a new socket. */
export const HYPERLIQUID_GREETING = 'Websocket connection established.'

export interface FakeHyperliquidOptions {
  /** a fixed port; default 0 (any free port) */
  port?: number
  /** the perpetual coins `meta` lists instead of the defaults */
  coins?: readonly string[]
  /** send the plain-text greeting on connect; default true */
  greeting?: boolean
  /** a socket the server has sent nothing to for this long is closed; default 60000 like Hyperliquid */
  idleTimeoutMs?: number
  /** clock for the REST weight window and idle bookkeeping; default Date.now */
  now?: () => number
}

export interface FakeHyperliquidConnection {
  /** path and query as requested */
  url: string
  /** current subscriptions as topics (`trades:BTC`, `candle:BTC:1m`), in subscription order */
  subscriptions: string[]
  /** when each subscribe / unsubscribe request came (ms) */
  requestTimes: number[]
}

/** A Hyperliquid venue on 127.0.0.1 speaking the real WebSocket and `POST /info` protocol. */
export interface FakeHyperliquid extends FakeVenue<FakeHyperliquidRest, RecordedInfoRequest> {
  /** what HYPERLIQUID_WS_URL is set to: `ws://127.0.0.1:<port>/ws` */
  wsUrl: string
  /** sends `{"channel":<type>,"data":data}` to every client subscribed to `topic` */
  emit(topic: string, data: unknown): void
  /** sends a raw text frame to every client */
  emitRaw(text: string): void
  connections(): FakeHyperliquidConnection[]
}

/** Starts the fake venue; one HTTP server answers `POST /info` and WebSocket upgrades at `/ws`. */
export async function startFakeHyperliquid(
  options: FakeHyperliquidOptions = {}
): Promise<FakeHyperliquid> {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000

  const { server, venue } = await startFakeVenue({
    name: 'fake Hyperliquid',
    port: options.port,
    rest: createFakeHyperliquidRest(now, options.coins),
    restFailure: (error) => ({ contentType: 'text/plain', body: String(error) }),
    route: (url) => (new URL(url, 'ws://fake').pathname === '/ws' ? url : undefined),
    connect(ws, url) {
      const client = new FakeHyperliquidClient(ws, url, now())
      if (options.greeting ?? true) client.sendText(HYPERLIQUID_GREETING, now())
      return client
    },
    // `{"method":"ping"}` is the ping; off, it gets no `{"channel":"pong"}`
    onText(client, text, pings) {
      // the 1000-subscription cap counts every socket of the IP (all clients are 127.0.0.1)
      const ipSubscriptions = [...server.clients].reduce((sum, c) => sum + c.topics.length, 0)
      if (client.handleText(text, now(), pings.answering, ipSubscriptions)) pings.received += 1
    },
    subscriptions: (client) => client.topics,
    // Hyperliquid closes a connection it has not sent a message to within the idle limit.
    sweep: {
      everyMs: idleCheckMs(idleTimeoutMs),
      client(client) {
        if (now() - client.lastSentAt > idleTimeoutMs) client.socket.close(1000, 'idle')
      },
    },
  })

  return {
    ...venue,
    wsUrl: `ws://127.0.0.1:${venue.port}/ws`,
    emit(topic, data) {
      const time = now()
      for (const client of server.clients) client.deliver(topic, data, time)
    },
    emitRaw(text) {
      const time = now()
      for (const client of server.open()) client.sendText(text, time)
    },
    connections() {
      return [...server.clients].map((client) => ({
        url: client.url,
        subscriptions: [...client.topics],
        requestTimes: [...client.requestTimes],
      }))
    },
  }
}
