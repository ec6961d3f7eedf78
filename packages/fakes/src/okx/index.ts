import { createFakeOkxRest, type FakeOkxRest, type RecordedOkxRequest } from './rest.ts'
import { FakeOkxClient, type OkxArg, type OkxPath } from './ws.ts'
import { idleCheckMs, startFakeVenue, type FakeVenue } from '../fake-venue.ts'

export * from './events.ts'
export { candleOpenAt, nextCandleOpen } from '../candle-time.ts'
export type { FakeOkxRest, OkxInstrument, RecordedOkxRequest } from './rest.ts'
export { OKX_DEFAULT_INSTRUMENTS } from './rest.ts'
export { okxKey, type OkxArg } from './ws.ts'

const PATHS: Record<string, OkxPath> = { '/ws/v5/public': 'public', '/ws/v5/business': 'business' }

export interface FakeOkxOptions {
  port?: number
  /** the linear USDT swaps listed (`BTC-USDT-SWAP`…) instead of the defaults */
  instIds?: readonly string[]
  /** a socket the server sent nothing for this long is closed with 4004; default 30 s like OKX */
  idleTimeoutMs?: number
  now?: () => number
}

export interface FakeOkxConnection {
  path: OkxPath
  /** subscriptions as `channel:instId` (or `channel:instType`), in order */
  keys: string[]
  /** when each subscribe / unsubscribe request came (ms) */
  requestTimes: number[]
}

/** An OKX v5 venue on 127.0.0.1: the public and business WebSockets and the REST API. */
export interface FakeOkx extends FakeVenue<FakeOkxRest, RecordedOkxRequest> {
  /** OKX_WS_PUBLIC_URL: `ws://127.0.0.1:<port>/ws/v5/public` */
  publicUrl: string
  /** OKX_WS_BUSINESS_URL: `ws://127.0.0.1:<port>/ws/v5/business` */
  businessUrl: string
  /** sends `{"arg":arg,"data":data}` to every client subscribed to the arg */
  emit(arg: OkxArg, data: unknown[]): void
  emitRaw(text: string, path?: OkxPath): void
  connections(): FakeOkxConnection[]
}

export async function startFakeOkx(options: FakeOkxOptions = {}): Promise<FakeOkx> {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000

  const { server, venue } = await startFakeVenue({
    name: 'fake OKX',
    port: options.port,
    rest: createFakeOkxRest(options.instIds),
    restFailure: (err) => ({
      contentType: 'application/json',
      body: JSON.stringify({ code: '50026', msg: String(err), data: [] }),
    }),
    route: (url) => PATHS[new URL(url, 'ws://fake').pathname],
    connect: (ws, url, path) => new FakeOkxClient(ws, url, path, now()),
    // the text `ping` is the ping; off, it gets no `pong`
    onText(client, text, pings) {
      if (client.handleText(text, now(), pings.answering)) pings.received += 1
    },
    subscriptions: (client) => client.keys,
    // OKX closes a connection it has pushed nothing to for 30 s
    sweep: {
      everyMs: idleCheckMs(idleTimeoutMs),
      client(client) {
        if (now() - client.lastSentAt > idleTimeoutMs)
          client.socket.close(4004, 'No data received in 30s')
      },
    },
  })

  const base = `ws://127.0.0.1:${venue.port}`
  return {
    ...venue,
    publicUrl: `${base}/ws/v5/public`,
    businessUrl: `${base}/ws/v5/business`,
    emit(arg, data) {
      const time = now()
      for (const client of server.clients) client.deliver(arg, data, time)
    },
    emitRaw(text, path) {
      const time = now()
      for (const client of server.open())
        if (path === undefined || client.path === path) client.sendText(text, time)
    },
    connections: () =>
      [...server.clients].map((client) => ({
        path: client.path,
        keys: [...client.keys],
        requestTimes: [...client.requestTimes],
      })),
  }
}
