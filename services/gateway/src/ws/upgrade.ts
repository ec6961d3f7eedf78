import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { Logger } from '@takashi/observability'
import { ApiError } from '../errors.ts'
import type { Hub } from './hub.ts'
import { serveMux } from './mux.ts'
import { queryOf, type ResolveStream, type StreamPlan } from './streams.ts'

export interface UpgradeOptions {
  server: Server
  hub: Hub
  resolveStream: ResolveStream
  log: Logger
  maxClients?: number
  maxPayloadBytes?: number
  /** true while the gateway stops: new upgrades are refused so clients go to another replica */
  stopping?: () => boolean
}

/** Answers a refused upgrade with a plain HTTP response carrying the JSON error, then closes. */
function refuse(socket: Duplex, error: ApiError): void {
  const body = error.body()
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body
  )
}

/**
 * WebSocket upgrades on the HTTP server's port: resolves the path stream first and refuses bad
 * paths or parameters with 400/404 and the JSON error, then hands the client to the hub; `/ws`
 * itself speaks the multiplexed protocol.
 */
export function handleUpgrades(options: UpgradeOptions): { close(): void } {
  const { server, hub, resolveStream, log } = options
  const maxClients = options.maxClients ?? 10_000
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes ?? 64 * 1024,
    perMessageDeflate: false, // frames.ts writes prepared frames; they must not be compressed
  })

  /** The stream asked for, or null for the multiplexed protocol on `/ws`. */
  function plan(req: IncomingMessage): StreamPlan | null {
    const url = new URL(req.url ?? '/', 'http://gateway')
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
    return stream
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    let stream: StreamPlan | null
    try {
      stream = plan(req)
    } catch (err) {
      if (!(err instanceof ApiError)) log.error({ err }, 'ws upgrade failed')
      refuse(
        socket,
        err instanceof ApiError ? err : new ApiError(500, 'internal', 'internal error')
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) => log.debug({ err }, 'ws client error'))
      if (stream === null) return serveMux(ws, { hub, resolveStream, log })
      hub.attach(ws, stream).catch((err: unknown) => {
        // A resume that cannot read its history must not go on as if complete.
        log.warn({ err }, 'ws attach failed')
        ws.close(1011, 'history read failed')
      })
    })
  }
  server.on('upgrade', onUpgrade)

  return {
    close() {
      server.off('upgrade', onUpgrade)
      wss.close()
    },
  }
}
