import { createFakeOkxRest, type FakeOkxRest, type RecordedOkxRequest } from './rest.ts'
import { FakeOkxClient, type OkxArg, type OkxPath } from './ws.ts'
import { startVenueServer } from '../venue-server.ts'

export * from './events.ts'
export { candleOpenAt, nextCandleOpen } from '../candle-time.ts'
export type { FakeOkxRest, OkxInstrument, RecordedOkxRequest } from './rest.ts'
export { OKX_DEFAULT_INSTRUMENTS } from './rest.ts'
export { okxKey, type OkxArg } from './ws.ts'

const PATHS: Record<string, OkxPath> = { '/ws/v5/public': 'public', '/ws/v5/business': 'business' }

export interface FakeOkxOptions {
  port?: number
  /** a socket the server sent nothing for this long is closed with 4004; default 30 s like OKX */
  idleTimeoutMs?: number
  now?: () => number
}

export interface FakeOkxConnection {
  path: OkxPath
  /** subscriptions as `channel:instId` (or `channel:instType`), in order */
  keys: string[]
}

/** An OKX v5 venue on 127.0.0.1: the public and business WebSockets and the REST API. */
export interface FakeOkx {
  /** OKX_WS_PUBLIC_URL: `ws://127.0.0.1:<port>/ws/v5/public` */
  publicUrl: string
  /** OKX_WS_BUSINESS_URL: `ws://127.0.0.1:<port>/ws/v5/business` */
  businessUrl: string
  /** OKX_REST_URL: `http://127.0.0.1:<port>` */
  restUrl: string
  port: number
  /** sends `{"arg":arg,"data":data}` to every client subscribed to the arg */
  emit(arg: OkxArg, data: unknown[]): void
  emitRaw(text: string, path?: OkxPath): void
  connections(): FakeOkxConnection[]
  waitForSubscriber(key: string, timeoutMs?: number): Promise<void>
  waitForConnections(count: number, timeoutMs?: number): Promise<void>
  dropConnections(): void
  /** off: the text `ping` gets no `pong` */
  answerPings(on: boolean): void
  pingsReceived(): number
  rest: FakeOkxRest
  requests: RecordedOkxRequest[]
  close(): Promise<void>
}

export async function startFakeOkx(options: FakeOkxOptions = {}): Promise<FakeOkx> {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000
  const { rest, requests, handle } = createFakeOkxRest()
  let answering = true
  let pings = 0

  const venue = await startVenueServer({
    name: 'fake OKX',
    port: options.port,
    handleRest: handle,
    restFailure: (err) => ({
      contentType: 'application/json',
      body: JSON.stringify({ code: '50026', msg: String(err), data: [] }),
    }),
    route: (url) => PATHS[new URL(url, 'ws://fake').pathname],
    connect: (ws, url, path) => new FakeOkxClient(ws, url, path, now()),
    onText(client, text) {
      if (client.handleText(text, now(), answering)) pings += 1
    },
  })

  // OKX closes a connection it has pushed nothing to for 30 s
  const idleCheck = setInterval(
    () => {
      for (const client of venue.clients) {
        if (now() - client.lastSentAt > idleTimeoutMs)
          client.socket.close(4004, 'No data received in 30s')
      }
    },
    Math.max(10, Math.min(1_000, Math.floor(idleTimeoutMs / 4)))
  )

  const { port, open, waitFor } = venue
  return {
    publicUrl: `ws://127.0.0.1:${port}/ws/v5/public`,
    businessUrl: `ws://127.0.0.1:${port}/ws/v5/business`,
    restUrl: `http://127.0.0.1:${port}`,
    port,
    emit(arg, data) {
      const time = now()
      for (const client of venue.clients) client.deliver(arg, data, time)
    },
    emitRaw(text, path) {
      const time = now()
      for (const client of open())
        if (path === undefined || client.path === path) client.sendText(text, time)
    },
    connections: () =>
      [...venue.clients].map((client) => ({ path: client.path, keys: [...client.keys] })),
    waitForSubscriber(key, timeoutMs = 5000) {
      return waitFor(
        () => open().some((client) => client.keys.includes(key)),
        timeoutMs,
        `a subscriber to ${key}`
      )
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
