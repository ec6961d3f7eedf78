import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Logger } from '@takashi/observability'
import type { Access, Client } from '../access/access.ts'
import { originAllowed, type CorsOrigins } from '../access/browser.ts'
import { createFixedWindows } from '../access/fixed-window.ts'
import type { WsConnections } from '../access/ws-connections.ts'
import { ApiError, rateLimited } from '../errors.ts'
import { CLOSE_POLICY } from './close.ts'
import type { Hub } from './hub.ts'
import { serveMux } from './mux.ts'
import { queryOf, targetUrl, type ResolveStream, type StreamPlan } from './streams.ts'

/** History replays (`since_id`) one client may start on one replica per minute. */
export const REPLAYS_PER_MINUTE = 10

export interface UpgradeOptions {
  server: Server
  hub: Hub
  resolveStream: ResolveStream
  log: Logger
  access: Access
  wsConnections: WsConnections
  corsOrigins: CorsOrigins
  /** client messages per second on one connection; over it: close 1008 */
  messagesPerSecond: number
  maxClients?: number
  maxPayloadBytes?: number
  /** true while the gateway stops: new upgrades are refused so clients go to another replica */
  stopping?: () => boolean
  /** the clock of the replay allowance's minutes; default Date.now */
  now?: () => number
}

/** Answers a refused upgrade with a plain HTTP response carrying the JSON error, then closes. */
function refuse(socket: Duplex, error: ApiError): void {
  const body = error.body()
  const extra = Object.entries(error.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      extra +
      'Connection: close\r\n\r\n' +
      body
  )
}

/** Closes `ws` with 1008 once it sends more than `perSecond` messages in a second. */
function messageLimit(ws: WebSocket, perSecond: number): () => boolean {
  const windows = createFixedWindows(perSecond, 1_000)
  return () => {
    if (windows.take('') === 0) return true
    ws.close(CLOSE_POLICY, `more than ${perSecond} messages a second`)
    return false
  }
}

/**
 * WebSocket upgrades on the HTTP server's port. Before a client is taken: its page's origin is
 * allowed (403), the path stream resolves (400/404 with the JSON error), its API key is valid
 * (401), it has a free connection slot across replicas and replays left (429). Then the hub
 * serves it; `/ws` itself speaks the multiplexed protocol.
 */
export function handleUpgrades(options: UpgradeOptions): {
  close(): void
  /** closes the WebSockets of a revoked API key with 1008 */
  closeKey(keyId: string): void
} {
  const { server, hub, resolveStream, log, access } = options
  const maxClients = options.maxClients ?? 10_000
  const replays = createFixedWindows(REPLAYS_PER_MINUTE, 60_000, options.now)
  const byKey = new Map<string, Set<WebSocket>>()
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes ?? 64 * 1024,
    perMessageDeflate: false, // frames.ts writes prepared frames; they must not be compressed
  })

  /** A replay costs history reads: each client may start a few per minute. */
  function allowReplay(client: Client): ApiError | null {
    const waitMs = replays.take(client.id)
    if (waitMs === 0) return null
    return rateLimited(`more than ${REPLAYS_PER_MINUTE} since_id replays a minute`, waitMs)
  }

  /** The stream asked for (null: the multiplexed protocol on `/ws`) and who asks. */
  async function admit(
    req: IncomingMessage
  ): Promise<{ stream: StreamPlan | null; client: Client; release: () => void }> {
    const origin = req.headers.origin
    if (!originAllowed(options.corsOrigins, origin)) {
      throw new ApiError(403, 'forbidden', `origin ${origin ?? ''} is not allowed`)
    }
    const url = targetUrl(req.url ?? '/')
    const stream = url.pathname === '/ws' ? null : resolveStream(url.pathname, queryOf(url))
    if (options.stopping?.()) {
      throw new ApiError(503, 'shutting_down', 'this gateway replica is stopping, reconnect')
    }
    if (hub.size >= maxClients) {
      throw new ApiError(
        503,
        'overloaded',
        'this gateway replica has too many clients, retry later'
      )
    }
    const client = await access.identify(req, url.searchParams.get('api_key'))
    if (stream?.sinceId !== undefined) {
      const refused = allowReplay(client)
      if (refused) throw refused
    }
    const release = await options.wsConnections.acquire(client.id, client.wsConnections)
    if (release === null) {
      throw rateLimited(`more than ${client.wsConnections} open WebSockets`, 1_000)
    }
    return { stream, client, release }
  }

  function track(ws: WebSocket, client: Client, release: () => void): void {
    const { keyId } = client
    if (keyId !== null) {
      const set = byKey.get(keyId) ?? new Set()
      set.add(ws)
      byKey.set(keyId, set)
    }
    ws.once('close', () => {
      release()
      if (keyId === null) return
      const set = byKey.get(keyId)
      set?.delete(ws)
      if (set?.size === 0) byKey.delete(keyId)
    })
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    admit(req).then(
      ({ stream, client, release }) => {
        if (socket.destroyed) return release()
        wss.handleUpgrade(req, socket, head, (ws) => {
          track(ws, client, release)
          ws.on('error', (err) => log.debug({ err }, 'ws client error'))
          const admitMessage = messageLimit(ws, options.messagesPerSecond)
          if (stream === null) {
            return serveMux(ws, {
              hub,
              resolveStream,
              log,
              admitMessage,
              allowReplay: () => allowReplay(client),
            })
          }
          ws.on('message', admitMessage)
          hub.attach(ws, stream).catch((err: unknown) => {
            // A resume that cannot read its history must not go on as if complete.
            log.warn({ err }, 'ws attach failed')
            ws.close(1011, 'history read failed')
          })
        })
      },
      (err: unknown) => {
        if (!(err instanceof ApiError)) log.error({ err }, 'ws upgrade failed')
        refuse(
          socket,
          err instanceof ApiError ? err : new ApiError(500, 'internal', 'internal error')
        )
      }
    )
  }
  server.on('upgrade', onUpgrade)

  return {
    close() {
      server.off('upgrade', onUpgrade)
      wss.close()
    },
    closeKey(keyId) {
      for (const ws of byKey.get(keyId) ?? []) ws.close(CLOSE_POLICY, 'API key revoked')
    },
  }
}
