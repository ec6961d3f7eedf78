import WebSocket from 'ws'
import {
  learntOf,
  type ConnectionSpec,
  type ExchangeAdapter,
  type FrameParser,
  type Market,
  type ParseResult,
  type StreamSpec,
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
  /**
   * Reserves this venue's next slot to open a socket and returns the wait until it (ms); shared
   * by every connection of the venue, so first connects and reconnects alike keep the venue's
   * new-connection rate (OKX 3 a second, Hyperliquid 30 a minute).
   */
  connectGate?(): number
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
  /** the streams this connection carries now (its share), in subscription order */
  streams(): readonly StreamSpec[]
  /**
   * Adds and removes streams: on an open socket by subscribe / unsubscribe requests paced as
   * the venue allows; a later (re)connect subscribes the new share. Needs `spec.control`.
   */
  update(change: { add?: readonly StreamSpec[]; remove?: readonly string[] }): void
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
  // this connection's share, changed by update(); a (re)connect subscribes what it holds then
  let share: StreamSpec[] = [...spec.streams]
  // when a stream joined the open socket: its silence counts from then, not from the connect
  const joinedAt = new Map<string, number>()
  const lastMessage = new Map<string, number>()
  // streams taken off this connection: a frame still in flight for one is not a sign of life
  const dropped = new Set<string>()
  // control frames (subscribe / unsubscribe) waiting for their turn on the current socket
  let controlQueue: string[] = []
  let controlSentAt: number[] = []
  let controlTimer: NodeJS.Timeout | undefined
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
    clearTimeout(controlTimer)
    controlTimer = undefined
    controlQueue = []
    controlSentAt = []
    joinedAt.clear()
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

  /** Waits for this venue's turn to open a socket (shared by its connections), then opens. */
  function connect(): void {
    reconnectTimer = undefined
    if (stopped) return
    const wait = deps.connectGate?.() ?? 0
    if (wait > 0) reconnectTimer = setTimeout(openSocket, wait)
    else openSocket()
  }

  function openSocket(): void {
    reconnectTimer = undefined
    if (stopped) return
    retryAfterMs = undefined
    heardData = false
    const url = spec.control ? spec.control.url(share) : spec.url
    const socket = new WebSocket(url, { handshakeTimeout: timing.handshakeTimeoutMs })
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
    log.info({ streams: share.length, reconnect: status.downSinceMs !== undefined }, 'ws connected')
    subscribe(socket)
    startHeartbeat(socket)
    startStaleWatch(socket)
    emit(status)
  }

  /** The share's subscribe frames: none when the URL named the streams. */
  function subscribe(socket: WebSocket): void {
    const control = spec.control
    const frames = control ? (control.streamsInUrl ? [] : control.subscribe(share)) : spec.subscribe
    sendControl(socket, frames)
  }

  /**
   * Queues control frames: at least `subscribeSpacingMs` apart and, where the venue counts
   * them per hour (OKX 480), never more than that within an hour on this socket.
   */
  function sendControl(socket: WebSocket, frames: readonly string[]): void {
    controlQueue.push(...frames)
    pumpControl(socket)
  }

  function pumpControl(socket: WebSocket): void {
    if (controlTimer !== undefined || socket !== ws || !open) return
    const frame = controlQueue[0]
    if (frame === undefined) return
    const now = Date.now()
    const perHour = spec.control?.requestsPerHour
    controlSentAt = controlSentAt.filter((at) => at > now - 3_600_000)
    const last = controlSentAt.at(-1)
    let wait = last === undefined ? 0 : last + timing.subscribeSpacingMs - now
    if (perHour !== undefined && controlSentAt.length >= perHour) {
      wait = Math.max(
        wait,
        (controlSentAt[controlSentAt.length - perHour] ?? now) + 3_600_000 - now
      )
    }
    if (wait > 0) {
      controlTimer = setTimeout(() => {
        controlTimer = undefined
        pumpControl(socket)
      }, wait)
      return
    }
    controlQueue.shift()
    controlSentAt.push(now)
    if (socket.readyState === WebSocket.OPEN) socket.send(frame)
    metrics.controlFrames.inc(labels)
    pumpControl(socket)
  }

  function update(change: { add?: readonly StreamSpec[]; remove?: readonly string[] }): void {
    const control = spec.control
    if (!control) throw new Error(`connection ${spec.id} cannot change its streams`)
    const held = new Set(share.map((stream) => stream.name))
    const gone = new Set((change.remove ?? []).filter((name) => held.has(name)))
    const added = (change.add ?? []).filter((stream) => !held.has(stream.name))
    const removed = share.filter((stream) => gone.has(stream.name))
    share = [...share.filter((stream) => !gone.has(stream.name)), ...added]
    for (const name of gone) {
      lastMessage.delete(name)
      joinedAt.delete(name)
      dropped.add(name)
    }
    for (const stream of added) dropped.delete(stream.name)
    const socket = ws
    if (socket === undefined || !open) return
    const now = Date.now()
    for (const stream of added) joinedAt.set(stream.name, now)
    sendControl(socket, [...control.unsubscribe(removed), ...control.subscribe(added)])
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
    const checkEvery = Math.min(5_000, Math.max(10, Math.floor(timing.staleAfterMs / 4)))
    every(() => {
      const now = Date.now()
      for (const { name: stream, busy } of share) {
        if (!busy) continue
        // streams not heard since this connection opened (or they joined it) count from then
        const since = Math.max(lastMessage.get(stream) ?? 0, connectedAt, joinedAt.get(stream) ?? 0)
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
    if (!dropped.has(stream)) lastMessage.set(stream, at)
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
    streams: () => share,
    update,
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
