import {
  createFakeHyperliquidRest,
  type FakeHyperliquidRest,
  type RecordedInfoRequest,
} from './rest.ts'
import { FakeHyperliquidClient } from './ws.ts'
import { startVenueServer } from '../venue-server.ts'

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
}

/** A Hyperliquid venue on 127.0.0.1 speaking the real WebSocket and `POST /info` protocol. */
export interface FakeHyperliquid {
  /** what HYPERLIQUID_WS_URL is set to: `ws://127.0.0.1:<port>/ws` */
  wsUrl: string
  /** what HYPERLIQUID_REST_URL is set to: `http://127.0.0.1:<port>` */
  restUrl: string
  port: number
  /** sends `{"channel":<type>,"data":data}` to every client subscribed to `topic` */
  emit(topic: string, data: unknown): void
  /** sends a raw text frame to every client */
  emitRaw(text: string): void
  connections(): FakeHyperliquidConnection[]
  /** resolves once an open client is subscribed to `topic` (default 5000 ms) */
  waitForSubscriber(topic: string, timeoutMs?: number): Promise<void>
  /** resolves when at least `count` clients are open (default 5000 ms) */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>
  /** terminates every client socket abruptly (no close frame) */
  dropConnections(): void
  /** off: `{"method":"ping"}` gets no `{"channel":"pong"}` */
  answerPings(on: boolean): void
  /** `{"method":"ping"}` messages received */
  pingsReceived(): number
  rest: FakeHyperliquidRest
  /** every REST request, in arrival order */
  requests: RecordedInfoRequest[]
  close(): Promise<void>
}

/** Starts the fake venue; one HTTP server answers `POST /info` and WebSocket upgrades at `/ws`. */
export async function startFakeHyperliquid(
  options: FakeHyperliquidOptions = {}
): Promise<FakeHyperliquid> {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000
  const { rest, requests, handle } = createFakeHyperliquidRest(now)
  let answering = true
  let pings = 0

  const venue = await startVenueServer({
    name: 'fake Hyperliquid',
    port: options.port,
    handleRest: handle,
    restFailure: (error) => ({ contentType: 'text/plain', body: String(error) }),
    route: (url) => (new URL(url, 'ws://fake').pathname === '/ws' ? url : undefined),
    connect(ws, url) {
      const client = new FakeHyperliquidClient(ws, url, now())
      if (options.greeting ?? true) client.sendText(HYPERLIQUID_GREETING, now())
      return client
    },
    onText(client, text) {
      if (client.handleText(text, now(), answering)) pings += 1
    },
  })

  // Hyperliquid closes a connection it has not sent a message to within the idle limit.
  const idleCheck = setInterval(
    () => {
      const time = now()
      for (const client of venue.clients) {
        if (time - client.lastSentAt > idleTimeoutMs) client.socket.close(1000, 'idle')
      }
    },
    Math.max(10, Math.min(1_000, Math.floor(idleTimeoutMs / 4)))
  )

  const { port, open, waitFor } = venue
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    restUrl: `http://127.0.0.1:${port}`,
    port,
    emit(topic, data) {
      const time = now()
      for (const client of venue.clients) client.deliver(topic, data, time)
    },
    emitRaw(text) {
      const time = now()
      for (const client of open()) client.sendText(text, time)
    },
    connections() {
      return [...venue.clients].map((client) => ({
        url: client.url,
        subscriptions: [...client.topics],
      }))
    },
    waitForSubscriber(topic, timeoutMs = 5000) {
      const check = () => open().some((client) => client.topics.includes(topic))
      return waitFor(check, timeoutMs, `a subscriber to ${topic}`)
    },
    waitForConnections(count, timeoutMs = 5000) {
      return waitFor(() => open().length >= count, timeoutMs, `${count} connections`)
    },
    dropConnections: venue.dropConnections,
    answerPings(on) {
      answering = on
    },
    pingsReceived: () => pings,
    rest,
    requests,
    async close() {
      clearInterval(idleCheck)
      await venue.close()
    },
  }
}
