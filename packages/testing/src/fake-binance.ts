import { EventEmitter } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import {
  createFakeBinanceRest,
  type FakeBinanceRest,
  type RecordedRequest,
} from './fake-binance-rest.ts'
import { FakeBinanceClient, parseWsPath, type BinanceRoute } from './fake-binance-ws.ts'

export * from './fake-binance-events.ts'
export type {
  BinanceFundingRow,
  BinanceOpenInterestHistRow,
  BinancePremiumIndexValue,
  FakeBinanceRest,
  RecordedRequest,
} from './fake-binance-rest.ts'
export { WEIGHT_LIMIT_1M } from './fake-binance-rest.ts'
export { isPublicStream, MAX_INCOMING_PER_SECOND, type BinanceRoute } from './fake-binance-ws.ts'

export interface FakeBinanceOptions {
  /** a fixed port; default 0 (any free port) */
  port?: number
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
}

/** A Binance USD-M venue on 127.0.0.1 speaking the real WebSocket and REST protocol. */
export interface FakeBinance {
  /** what BINANCE_WS_URL is set to: `ws://127.0.0.1:<port>` */
  wsUrl: string
  /** what BINANCE_REST_URL is set to: `http://127.0.0.1:<port>` */
  restUrl: string
  port: number
  /** delivers an event to every client subscribed to `stream` on a path that carries it */
  emit(stream: string, data: unknown): void
  /** sends a raw text frame to every client */
  emitRaw(text: string): void
  connections(): FakeBinanceConnection[]
  /** resolves once an open client lists `stream` among its subscriptions (default 5000 ms) */
  waitForSubscriber(stream: string, timeoutMs?: number): Promise<void>
  /** resolves when at least `count` clients are open (default 5000 ms) */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>
  /** terminates every client socket abruptly (no close frame) */
  dropConnections(): void
  /** off: protocol pings from clients get no pong */
  answerPings(on: boolean): void
  pingsReceived(): number
  rest: FakeBinanceRest
  /** every REST request, in arrival order */
  requests: RecordedRequest[]
  close(): Promise<void>
}

/** Starts the fake venue; one HTTP server answers REST and WebSocket upgrades. */
export async function startFakeBinance(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  const now = options.now ?? Date.now
  const pingIntervalMs = options.pingIntervalMs ?? 180_000
  const pongTimeoutMs = options.pongTimeoutMs ?? 600_000
  const lifetimeMs = options.lifetimeMs ?? 24 * 3_600_000
  const { rest, requests, handle } = createFakeBinanceRest(now)
  const clients = new Set<FakeBinanceClient>()
  const changes = new EventEmitter()
  changes.setMaxListeners(0)
  let answering = true
  let pings = 0

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ code: -1000, msg: String(error) }))
    })
  })
  const wss = new WebSocketServer({ noServer: true, autoPong: false })

  server.on('upgrade', (req, socket, head) => {
    const url = req.url ?? '/'
    const path = parseWsPath(url)
    if (!path) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new FakeBinanceClient(ws, url, path, now())
      clients.add(client)
      const lifetime = setTimeout(() => ws.close(1000, 'connection lifetime reached'), lifetimeMs)
      const inbound = () => {
        if (client.countIncoming(now())) {
          ws.close(1008, 'Too many messages')
          return false
        }
        return true
      }
      ws.on('message', (data, isBinary) => {
        if (inbound() && !isBinary) {
          client.handleText(
            Buffer.isBuffer(data) ? data.toString() : Buffer.from(data as ArrayBuffer).toString()
          )
          changes.emit('change')
        }
      })
      ws.on('ping', (data) => {
        pings += 1
        if (inbound() && answering) ws.pong(data)
      })
      ws.on('pong', () => {
        client.lastPongAt = now()
        inbound()
      })
      ws.on('error', () => ws.terminate())
      ws.on('close', () => {
        clearTimeout(lifetime)
        clients.delete(client)
        changes.emit('change')
      })
      changes.emit('change')
    })
  })

  const pinger = setInterval(() => {
    for (const client of clients) {
      if (now() - client.lastPongAt > pongTimeoutMs) client.socket.terminate()
      else client.socket.ping()
    }
  }, pingIntervalMs)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
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
        reject(new Error(`fake Binance: timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      changes.on('change', onChange)
    })
  }
  const open = () =>
    [...clients].filter((client) => client.socket.readyState === client.socket.OPEN)

  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    restUrl: `http://127.0.0.1:${port}`,
    port,
    emit(stream, data) {
      for (const client of clients) client.deliver(stream, data)
    },
    emitRaw(text) {
      for (const client of open()) client.socket.send(text)
    },
    connections() {
      return [...clients].map((client) => ({
        path: client.pathname,
        streams: [...client.streams],
        url: client.url,
        route: client.path.route,
        combined: client.combined,
      }))
    },
    waitForSubscriber(stream, timeoutMs = 5000) {
      const check = () => open().some((client) => client.streams.includes(stream))
      return waitFor(check, timeoutMs, `a subscriber to ${stream}`)
    },
    waitForConnections(count, timeoutMs = 5000) {
      return waitFor(() => open().length >= count, timeoutMs, `${count} connections`)
    },
    dropConnections() {
      for (const client of clients) client.socket.terminate()
    },
    answerPings(on) {
      answering = on
    },
    pingsReceived: () => pings,
    rest,
    requests,
    async close() {
      clearInterval(pinger)
      for (const client of clients) client.socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
