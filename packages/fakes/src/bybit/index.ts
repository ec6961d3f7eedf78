import { createFakeBybitRest, type FakeBybitRest, type RecordedBybitRequest } from './rest.ts'
import { FakeBybitClient } from './ws.ts'
import { startVenueServer } from '../venue-server.ts'

export * from './events.ts'
export { candleOpenAt, nextCandleOpen } from '../candle-time.ts'
export type {
  BybitFundingRow,
  BybitInstrument,
  BybitOpenInterestRow,
  FakeBybitRest,
  RecordedBybitRequest,
} from './rest.ts'
export { BYBIT_DEFAULT_INSTRUMENTS, BYBIT_REQUESTS_PER_5S } from './rest.ts'
export { isBybitTopic } from './ws.ts'

/** The public linear path, as in `wss://stream.bybit.com/v5/public/linear`. */
export const BYBIT_LINEAR_PATH = '/v5/public/linear'

export interface FakeBybitOptions {
  /** a fixed port; default 0 (any free port) */
  port?: number
  /** a client silent (no ping, no request) this long is cut; default 10 min like Bybit */
  idleTimeoutMs?: number
  /** REST requests allowed per 5 s before HTTP 403; default 600 like Bybit */
  requestsPer5s?: number
  /** clock for frame `ts`, REST `time` and idle bookkeeping; default Date.now */
  now?: () => number
}

export interface FakeBybitConnection {
  url: string
  /** subscribed topics, in subscription order */
  topics: string[]
}

/** A Bybit v5 linear venue on 127.0.0.1 speaking the real public WebSocket and REST protocol. */
export interface FakeBybit {
  /** what BYBIT_WS_URL is set to: `ws://127.0.0.1:<port>/v5/public/linear` */
  wsUrl: string
  /** what BYBIT_REST_URL is set to: `http://127.0.0.1:<port>` */
  restUrl: string
  port: number
  /**
   * Sends `{"topic","type","ts","data"}` to every client subscribed to `topic`. A tickers
   * subscriber is first sent the state `rest.setTicker` holds, as a snapshot.
   */
  emit(topic: string, data: unknown, type?: 'snapshot' | 'delta'): void
  /** sends a raw text frame to every client */
  emitRaw(text: string): void
  connections(): FakeBybitConnection[]
  /** resolves once an open client is subscribed to `topic` (default 5000 ms) */
  waitForSubscriber(topic: string, timeoutMs?: number): Promise<void>
  /** resolves when at least `count` clients are open (default 5000 ms) */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>
  /** terminates every client socket abruptly (no close frame) */
  dropConnections(): void
  /** off: `{"op":"ping"}` gets no pong */
  answerPings(on: boolean): void
  pingsReceived(): number
  rest: FakeBybitRest
  /** every REST request, in arrival order */
  requests: RecordedBybitRequest[]
  close(): Promise<void>
}

/** Starts the fake venue; one HTTP server answers REST and upgrades at the linear path. */
export async function startFakeBybit(options: FakeBybitOptions = {}): Promise<FakeBybit> {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000
  const { rest, requests, handle, tickerOf } = createFakeBybitRest(now, options.requestsPer5s)
  const tickerSnapshot = (topic: string) =>
    topic.startsWith('tickers.') ? tickerOf(topic.slice('tickers.'.length)) : undefined
  let answering = true
  let pings = 0

  const venue = await startVenueServer({
    name: 'fake Bybit',
    port: options.port,
    handleRest: handle,
    restFailure: (error) => ({
      contentType: 'application/json',
      body: JSON.stringify({ retCode: 10016, retMsg: String(error), result: {} }),
    }),
    route: (url) => (new URL(url, 'ws://fake').pathname === BYBIT_LINEAR_PATH ? url : undefined),
    connect: (ws, url) => new FakeBybitClient(ws, url, now()),
    onText(client, text) {
      if (client.handleText(text, now(), answering, tickerSnapshot)) pings += 1
    },
  })

  // Bybit cuts a connection that neither pings nor asks anything for the idle limit.
  const idleCheck = setInterval(
    () => {
      for (const client of venue.clients) {
        if (now() - client.lastHeardAt > idleTimeoutMs) client.socket.terminate()
      }
    },
    Math.max(10, Math.min(1_000, Math.floor(idleTimeoutMs / 4)))
  )

  const { port, open, waitFor } = venue
  return {
    wsUrl: `ws://127.0.0.1:${port}${BYBIT_LINEAR_PATH}`,
    restUrl: `http://127.0.0.1:${port}`,
    port,
    emit(topic, data, type = 'snapshot') {
      const frame = { topic, type, ts: now(), data }
      for (const client of venue.clients) client.deliver(topic, frame)
    },
    emitRaw(text) {
      for (const client of open()) client.socket.send(text)
    },
    connections() {
      return [...venue.clients].map((client) => ({ url: client.url, topics: [...client.topics] }))
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
