import type { IncomingMessage, ServerResponse } from 'node:http'
import type { WebSocket } from 'ws'
import {
  startVenueServer,
  type VenueClient,
  type VenueServer,
  type VenueServerOptions,
} from './venue-server.ts'

/** What every fake venue offers besides its WebSocket URLs, `emit` and connection listing. */
export interface FakeVenue<Rest, Request> {
  /** what `<EXCHANGE>_REST_URL` is set to: `http://127.0.0.1:<port>` */
  restUrl: string
  port: number
  /** resolves once an open client is subscribed to `key`, as the venue names it (default 5000 ms) */
  waitForSubscriber(key: string, timeoutMs?: number): Promise<void>
  /** resolves when at least `count` clients are open (default 5000 ms) */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>
  /** terminates every client socket abruptly (no close frame), or only the `index`-th open one */
  dropConnections(index?: number): void
  /** off: the venue's protocol ping gets no pong */
  answerPings(on: boolean): void
  /** protocol pings received */
  pingsReceived(): number
  /** the most sockets open at once (venues cap sockets per IP) */
  peakConnections(): number
  rest: Rest
  /** every REST request, in arrival order */
  requests: Request[]
  close(): Promise<void>
}

/** Whether the venue answers protocol pings, and how many came; its handlers read and count. */
export interface Pings {
  answering: boolean
  received: number
}

export interface FakeVenueOptions<Route, Client extends VenueClient, Rest, Request> extends Omit<
  VenueServerOptions<Route, Client>,
  'handleRest' | 'connect' | 'onText'
> {
  /** the venue's REST state, its request log and the handler answering plain HTTP */
  rest: {
    rest: Rest
    requests: Request[]
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>
  }
  connect: (ws: WebSocket, url: string, route: Route, pings: Pings) => Client
  onText: (client: Client, text: string, pings: Pings) => void
  /** a client's subscriptions, named as `waitForSubscriber` takes them */
  subscriptions: (client: Client) => readonly string[]
  /** run on every client every `everyMs`: the venue's idle cut or server pings */
  sweep: { everyMs: number; client(client: Client): void }
}

/** How often an idle limit is checked: a quarter of it, between 10 ms and 1 s. */
export const idleCheckMs = (idleTimeoutMs: number) =>
  Math.max(10, Math.min(1_000, Math.floor(idleTimeoutMs / 4)))

/**
 * Starts a fake venue's server with the parts every venue shares (ping switch and count,
 * waiting, the request log, the sweep timer); the venue adds its URLs and `emit` from `server`.
 */
export async function startFakeVenue<Route, Client extends VenueClient, Rest, Request>(
  options: FakeVenueOptions<Route, Client, Rest, Request>
): Promise<{ server: VenueServer<Client>; venue: FakeVenue<Rest, Request> }> {
  const { rest, connect, onText, subscriptions, sweep, ...serverOptions } = options
  const pings: Pings = { answering: true, received: 0 }
  const server = await startVenueServer({
    ...serverOptions,
    handleRest: rest.handle,
    connect: (ws, url, route) => connect(ws, url, route, pings),
    onText: (client, text) => onText(client, text, pings),
  })
  const timer = setInterval(() => {
    for (const client of server.clients) sweep.client(client)
  }, sweep.everyMs)

  const { port, open, waitFor } = server
  return {
    server,
    venue: {
      restUrl: `http://127.0.0.1:${port}`,
      port,
      waitForSubscriber(key, timeoutMs = 5000) {
        const check = () => open().some((client) => subscriptions(client).includes(key))
        return waitFor(check, timeoutMs, `a subscriber to ${key}`)
      },
      waitForConnections(count, timeoutMs = 5000) {
        return waitFor(() => open().length >= count, timeoutMs, `${count} connections`)
      },
      dropConnections: server.dropConnections,
      answerPings(on) {
        pings.answering = on
      },
      pingsReceived: () => pings.received,
      peakConnections: server.peakConnections,
      rest: rest.rest,
      requests: rest.requests,
      async close() {
        clearInterval(timer)
        await server.close()
      },
    },
  }
}
