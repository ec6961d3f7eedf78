import WebSocket from 'ws'
import {
  learntOf,
  type ConnectionSpec,
  type ExchangeAdapter,
  type FrameParser,
  type Market,
  type ParseResult,
} from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import type { NormalizedRecord } from '@takashi/schemas'
import { backoffDelay, createSampler, parseRetryAfter } from './backoff.ts'
import type { BadFrameKind, IngestorMetrics } from './metrics.ts'

/** Emitted when a connection opens or is lost, so consumers can reset and backfill. */
export interface ConnectionStatus {
  type: 'connected' | 'disconnected'
  connId: string
  at: number
  /** on a re-connect: when the previous connection was lost (ms) */
  downSinceMs?: number
  /** on a disconnect: the wait before the next attempt (ms) */
  retryInMs?: number
}

/** Every duration the loop uses; defaults come from the spec, tests shorten them. */
export interface ConnectionTiming {
  handshakeTimeoutMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  /** wait after an HTTP 418 ban that names no Retry-After */
  banFallbackMs: number
  subscribeSpacingMs: number
  heartbeatIntervalMs: number
  heartbeatTimeoutMs: number
  staleAfterMs: number
  random: () => number
}

export interface ConnectionDeps {
  spec: ConnectionSpec
  adapter: Pick<ExchangeAdapter, 'id' | 'createParser'>
  symbols: ReadonlySet<string>
  /** the shared market knowledge parsers read; what a frame taught is learnt before the next */
  market: Market
  onRecords(records: NormalizedRecord[], stream: string): void
  onStatus?(status: ConnectionStatus): void
  log: Logger
  metrics: IngestorMetrics
  timing?: Partial<ConnectionTiming>
}

export interface Connection {
  readonly id: string
  start(): void
  /** closes the socket and cancels every timer; resolves once the socket is closed */
  stop(): Promise<void>
  isConnected(): boolean
  /** last data message time (ms) per venue stream, across reconnects */
  lastMessageAt(): ReadonlyMap<string, number>
}

const SAMPLE_LOG_MS = 10_000

export function timingOf(
  spec: ConnectionSpec,
  overrides: Partial<ConnectionTiming> = {}
): ConnectionTiming {
  return {
    handshakeTimeoutMs: 10_000,
    backoffBaseMs: 1_000,
    backoffMaxMs: 30_000,
    banFallbackMs: 120_000,
    subscribeSpacingMs: spec.subscribeSpacingMs,
    heartbeatIntervalMs: spec.heartbeat.intervalMs,
    heartbeatTimeoutMs: spec.heartbeat.timeoutMs,
    staleAfterMs: spec.staleAfterMs,
    random: Math.random,
    ...overrides,
  }
}

/**
 * The one connection loop every exchange shares: connect, subscribe from the original spec,
 * heartbeat, stale-stream watchdog, reconnect with capped full-jitter backoff.
 */
export function createConnection(deps: ConnectionDeps): Connection {
  const { spec, adapter, metrics } = deps
  const timing = timingOf(spec, deps.timing)
  const labels = { exchange: adapter.id, connection: spec.id }
  const log = deps.log.child({ conn_id: spec.id })
  // this connection's merge state; a new socket gets a new parser
  let parser: FrameParser = adapter.createParser()
  const busyStreams = spec.streams.filter((stream) => stream.busy).map((stream) => stream.name)
  const lastMessage = new Map<string, number>()
  const sampleInvalid = createSampler(SAMPLE_LOG_MS)
  const sampleVenueError = createSampler(SAMPLE_LOG_MS)

  let stopped = true
  let ws: WebSocket | undefined
  let open = false
  let connectedAt = 0
  let heardData = false
  /** consecutive connections lost without a data message */
  let failures = 0
  let downSince: number | undefined
  let retryAfterMs: number | undefined
  let reconnectTimer: NodeJS.Timeout | undefined
  let pongDeadline: NodeJS.Timeout | undefined
  // timers that belong to the current socket
  const socketTimers = new Set<NodeJS.Timeout>()

  function later(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      socketTimers.delete(timer)
      fn()
    }, ms)
    socketTimers.add(timer)
    return timer
  }

  function every(fn: () => void, ms: number): void {
    socketTimers.add(setInterval(fn, ms))
  }

  function clearSocketTimers(): void {
    for (const timer of socketTimers) clearTimeout(timer)
    socketTimers.clear()
    pongDeadline = undefined
  }

  function clearPongDeadline(): void {
    if (pongDeadline === undefined) return
    clearTimeout(pongDeadline)
    socketTimers.delete(pongDeadline)
    pongDeadline = undefined
  }

  function emit(status: ConnectionStatus): void {
    try {
      deps.onStatus?.(status)
    } catch (err) {
      log.error({ err }, 'connection status handler failed')
    }
  }

  function connect(): void {
    reconnectTimer = undefined
    if (stopped) return
    retryAfterMs = undefined
    heardData = false
    const socket = new WebSocket(spec.url, { handshakeTimeout: timing.handshakeTimeoutMs })
    ws = socket
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0
      // 429 = slow down, 418 = banned: both say how long in Retry-After
      if (status === 429 || status === 418) {
        retryAfterMs =
          parseRetryAfter(res.headers['retry-after']) ??
          (status === 418 ? timing.banFallbackMs : undefined)
      }
      log.warn({ status, retry_after_ms: retryAfterMs }, 'ws upgrade refused')
      res.resume()
      socket.terminate()
    })
    socket.on('open', () => onOpen(socket))
    socket.on('message', (data) => onMessage(socket, data))
    socket.on('pong', () => {
      if (socket === ws) clearPongDeadline()
    })
    socket.on('error', (err) => {
      if (socket === ws && !stopped) log.debug({ err }, 'ws error')
    })
    socket.on('close', (code) => onClose(socket, code))
  }

  function onOpen(socket: WebSocket): void {
    if (socket !== ws) return
    open = true
    connectedAt = Date.now()
    parser = adapter.createParser()
    metrics.connected.set(labels, 1)
    const status: ConnectionStatus = { type: 'connected', connId: spec.id, at: connectedAt }
    if (downSince !== undefined) status.downSinceMs = downSince
    downSince = undefined
    log.info({ url: spec.url, reconnect: status.downSinceMs !== undefined }, 'ws connected')
    subscribe(socket)
    startHeartbeat(socket)
    startStaleWatch(socket)
    emit(status)
  }

  function subscribe(socket: WebSocket): void {
    spec.subscribe.forEach((frame, index) => {
      const send = () => {
        if (socket.readyState === WebSocket.OPEN) socket.send(frame)
      }
      if (index === 0 || timing.subscribeSpacingMs <= 0) send()
      else later(send, index * timing.subscribeSpacingMs)
    })
  }

  function startHeartbeat(socket: WebSocket): void {
    const heartbeat = spec.heartbeat
    every(() => {
      if (pongDeadline !== undefined) return // one outstanding ping at a time
      if (heartbeat.kind === 'protocol') socket.ping()
      else socket.send(heartbeat.frame)
      pongDeadline = later(() => {
        log.warn({ timeout_ms: timing.heartbeatTimeoutMs }, 'no pong, reconnecting')
        socket.terminate()
      }, timing.heartbeatTimeoutMs)
    }, timing.heartbeatIntervalMs)
  }

  function startStaleWatch(socket: WebSocket): void {
    if (busyStreams.length === 0) return
    const checkEvery = Math.min(5_000, Math.max(10, Math.floor(timing.staleAfterMs / 4)))
    every(() => {
      const now = Date.now()
      for (const stream of busyStreams) {
        // streams not heard since this connection opened count from the connect
        const since = Math.max(lastMessage.get(stream) ?? 0, connectedAt)
        if (now - since > timing.staleAfterMs) {
          log.warn({ stream, silent_ms: now - since }, 'busy stream went silent, reconnecting')
          socket.terminate()
          return
        }
      }
    }, checkEvery)
  }

  function countBad(kind: BadFrameKind, text: string, detail: Record<string, unknown>): void {
    metrics.badFrames.inc({ exchange: adapter.id, kind })
    const sample = kind === 'venue_error' ? sampleVenueError : sampleInvalid
    sample((skipped) => {
      log.warn({ kind, ...detail, skipped, payload: text.slice(0, 300) }, 'frame dropped')
    })
  }

  function markData(stream: string, at: number): void {
    lastMessage.set(stream, at)
    if (!heardData) {
      heardData = true
      failures = 0 // the connection proved itself: the next loss starts the backoff over
    }
  }

  function onMessage(socket: WebSocket, data: WebSocket.RawData): void {
    if (socket !== ws) return
    const receivedAt = Date.now()
    const text = rawText(data)
    let result: ParseResult
    try {
      result = parser.parse(text, { receivedAt, symbols: deps.symbols, market: deps.market })
    } catch (err) {
      countBad('parse_exception', text, { err })
      return
    }
    const learnt = learntOf(result)
    if (learnt !== undefined) deps.market.learn(learnt)
    switch (result.kind) {
      case 'records':
        markData(result.stream, receivedAt)
        if (result.records.length === 0) return
        try {
          deps.onRecords(result.records, result.stream)
        } catch (err) {
          log.error({ err }, 'record handler failed')
        }
        return
      case 'ignored':
        if (result.stream !== undefined) markData(result.stream, receivedAt)
        return
      case 'pong':
        clearPongDeadline()
        return
      case 'venue_error':
        countBad('venue_error', text, { message: result.message })
        return
      case 'invalid':
        countBad('invalid', text, { reason: result.reason })
        return
    }
  }

  function onClose(socket: WebSocket, code: number): void {
    if (socket !== ws) return
    ws = undefined
    clearSocketTimers()
    const wasOpen = open
    open = false
    const now = Date.now()
    if (wasOpen) {
      metrics.connected.set(labels, 0)
      downSince = now
    }
    if (stopped) return
    failures += 1
    let delay = backoffDelay(failures, {
      baseMs: timing.backoffBaseMs,
      maxMs: timing.backoffMaxMs,
      random: timing.random,
    })
    if (retryAfterMs !== undefined) delay = Math.max(delay, retryAfterMs)
    metrics.reconnects.inc(labels)
    log.warn(
      { code, was_open: wasOpen, attempt: failures, retry_in_ms: delay },
      'ws connection lost'
    )
    reconnectTimer = setTimeout(connect, delay)
    if (wasOpen) emit({ type: 'disconnected', connId: spec.id, at: now, retryInMs: delay })
  }

  return {
    id: spec.id,
    start() {
      if (!stopped) return
      stopped = false
      connect()
    },
    async stop() {
      stopped = true
      clearTimeout(reconnectTimer)
      reconnectTimer = undefined
      clearSocketTimers()
      const socket = ws
      if (socket === undefined) return
      await new Promise<void>((resolve) => {
        const grace = setTimeout(() => socket.terminate(), 1_000)
        socket.once('close', () => {
          clearTimeout(grace)
          resolve()
        })
        if (socket.readyState === WebSocket.OPEN) socket.close(1000)
        else socket.terminate()
      })
    },
    isConnected: () => open,
    lastMessageAt: () => lastMessage,
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
