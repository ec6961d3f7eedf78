import { createFakeBybitRest, type FakeBybitRest, type RecordedBybitRequest } from './rest.ts'
import { FakeBybitClient } from './ws.ts'
import { idleCheckMs, startFakeVenue, type FakeVenue } from '../fake-venue.ts'

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
  /** the USDT perpetuals instruments-info lists instead of the defaults */
  symbols?: readonly string[]
  /** the most instruments per instruments-info page (tests force paging); default 1000 */
  instrumentsPageSize?: number
  /** clock for frame `ts`, REST `time` and idle bookkeeping; default Date.now */
  now?: () => number
}

export interface FakeBybitConnection {
  url: string
  /** subscribed topics, in subscription order */
  topics: string[]
  /** when each subscribe / unsubscribe request came (ms) */
  requestTimes: number[]
}

/** A Bybit v5 linear venue on 127.0.0.1 speaking the real public WebSocket and REST protocol. */
export interface FakeBybit extends FakeVenue<FakeBybitRest, RecordedBybitRequest> {
  /** what BYBIT_WS_URL is set to: `ws://127.0.0.1:<port>/v5/public/linear` */
  wsUrl: string
  /**
   * Sends `{"topic","type","ts","data"}` to every client subscribed to `topic`. A tickers
   * subscriber is first sent the state `rest.setTicker` holds, as a snapshot.
   */
  emit(topic: string, data: unknown, type?: 'snapshot' | 'delta'): void
  /** sends a raw text frame to every client */
  emitRaw(text: string): void
  connections(): FakeBybitConnection[]
}

/** Starts the fake venue; one HTTP server answers REST and upgrades at the linear path. */
export async function startFakeBybit(options: FakeBybitOptions = {}): Promise<FakeBybit> {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000
  const rest = createFakeBybitRest(now, {
    ...(options.requestsPer5s !== undefined && { requestsPer5s: options.requestsPer5s }),
    ...(options.symbols && { symbols: options.symbols }),
    ...(options.instrumentsPageSize !== undefined && {
      instrumentsPageSize: options.instrumentsPageSize,
    }),
  })
  const tickerSnapshot = (topic: string) =>
    topic.startsWith('tickers.') ? rest.tickerOf(topic.slice('tickers.'.length)) : undefined

  const { server, venue } = await startFakeVenue({
    name: 'fake Bybit',
    port: options.port,
    rest,
    restFailure: (error) => ({
      contentType: 'application/json',
      body: JSON.stringify({ retCode: 10016, retMsg: String(error), result: {} }),
    }),
    route: (url) => (new URL(url, 'ws://fake').pathname === BYBIT_LINEAR_PATH ? url : undefined),
    connect: (ws, url) => new FakeBybitClient(ws, url, now()),
    // `{"op":"ping"}` is the ping; off, it gets no pong
    onText(client, text, pings) {
      if (client.handleText(text, now(), pings.answering, tickerSnapshot)) pings.received += 1
    },
    subscriptions: (client) => client.topics,
    // Bybit cuts a connection that neither pings nor asks anything for the idle limit.
    sweep: {
      everyMs: idleCheckMs(idleTimeoutMs),
      client(client) {
        if (now() - client.lastHeardAt > idleTimeoutMs) client.socket.terminate()
      },
    },
  })

  return {
    ...venue,
    wsUrl: `ws://127.0.0.1:${venue.port}${BYBIT_LINEAR_PATH}`,
    emit(topic, data, type = 'snapshot') {
      const frame = { topic, type, ts: now(), data }
      for (const client of server.clients) client.deliver(topic, frame)
    },
    emitRaw(text) {
      for (const client of server.open()) client.socket.send(text)
    },
    connections() {
      return [...server.clients].map((client) => ({
        url: client.url,
        topics: [...client.topics],
        requestTimes: [...client.requestTimes],
      }))
    },
  }
}
