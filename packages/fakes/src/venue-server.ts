import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

/** What every fake venue's client connection has. */
export interface VenueClient {
  readonly socket: WebSocket
}

/** A client of a venue that cuts sockets it has sent nothing to for a while (OKX, Hyperliquid). */
export class SendTimedClient implements VenueClient {
  lastSentAt: number

  constructor(
    readonly socket: WebSocket,
    readonly url: string,
    now: number
  ) {
    this.lastSentAt = now
  }

  sendText(text: string, now: number): void {
    if (this.socket.readyState !== this.socket.OPEN) return
    this.socket.send(text)
    this.lastSentAt = now
  }

  send(value: unknown, now: number): void {
    this.sendText(JSON.stringify(value), now)
  }
}

export interface VenueServerOptions<Route, Client extends VenueClient> {
  /** for error messages: `fake Binance: timed out …` */
  name: string
  /** a fixed port; default 0 (any free port) */
  port?: number | undefined
  /** answers every plain HTTP request */
  handleRest(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** the answer when `handleRest` throws, in the venue's error format */
  restFailure(error: unknown): { contentType: string; body: string }
  /** the route of an upgrade URL (path and query); undefined answers 404 like the venue */
  route(url: string): Route | undefined
  /** a new client on an upgraded socket; attach any venue-specific socket handlers here */
  connect(ws: WebSocket, url: string, route: Route): Client
  /** a text frame from a client */
  onText(client: Client, text: string): void
}

/** The HTTP + WebSocket plumbing every fake venue shares; the venue supplies its protocol. */
export interface VenueServer<Client extends VenueClient> {
  port: number
  /** every connected client, open or closing */
  readonly clients: ReadonlySet<Client>
  /** the clients whose sockets are open */
  open: () => Client[]
  /** the most sockets open at once since the server started */
  peakConnections: () => number
  /** tells waiters that something they may wait for changed (e.g. a subscription) */
  changed: () => void
  /** resolves once `check()` holds, re-checked on every change; rejects after `timeoutMs` */
  waitFor: (check: () => boolean, timeoutMs: number, what: string) => Promise<void>
  /** terminates every client socket abruptly (no close frame), or only the `index`-th open one */
  dropConnections: (index?: number) => void
  close: () => Promise<void>
}

export async function startVenueServer<Route, Client extends VenueClient>(
  options: VenueServerOptions<Route, Client>
): Promise<VenueServer<Client>> {
  const clients = new Set<Client>()
  let peak = 0
  const changes = new EventEmitter()
  changes.setMaxListeners(0)
  const changed = () => changes.emit('change')

  const server = createServer((req, res) => {
    options.handleRest(req, res).catch((error: unknown) => {
      const { contentType, body } = options.restFailure(error)
      res.writeHead(500, { 'Content-Type': contentType })
      res.end(body)
    })
  })
  // the fakes answer protocol pings themselves, so a test can stop answering them
  const wss = new WebSocketServer({ noServer: true, autoPong: false })

  server.on('upgrade', (req, socket, head) => {
    const url = req.url ?? '/'
    const route = options.route(url)
    if (route === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = options.connect(ws, url, route)
      clients.add(client)
      const openNow = [...clients].filter((c) => c.socket.readyState === c.socket.OPEN).length
      peak = Math.max(peak, openNow)
      ws.on('message', (data, isBinary) => {
        if (isBinary) return
        const text = Buffer.isBuffer(data)
          ? data.toString()
          : Buffer.from(data as ArrayBuffer).toString()
        options.onText(client, text)
        changed()
      })
      ws.on('error', () => ws.terminate())
      ws.on('close', () => {
        clients.delete(client)
        changed()
      })
      changed()
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })

  return {
    port: (server.address() as AddressInfo).port,
    clients,
    open: () => [...clients].filter((client) => client.socket.readyState === client.socket.OPEN),
    peakConnections: () => peak,
    changed,
    waitFor: (check, timeoutMs, what) => {
      if (check()) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const onChange = () => {
          if (!check()) return
          clearTimeout(timer)
          changes.off('change', onChange)
          resolve()
        }
        const timer = setTimeout(() => {
          changes.off('change', onChange)
          reject(new Error(`${options.name}: timed out after ${timeoutMs} ms waiting for ${what}`))
        }, timeoutMs)
        changes.on('change', onChange)
      })
    },
    dropConnections: (index) => {
      const open = [...clients].filter((c) => c.socket.readyState === c.socket.OPEN)
      const targets = index === undefined ? [...clients] : open.slice(index, index + 1)
      for (const client of targets) client.socket.terminate()
    },
    close: async () => {
      for (const client of clients) client.socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
