import { backoffDelay, createPacedSender, type BackoffOptions } from './backoff.ts'
import type { TakashiError } from './errors.ts'
import { errorFromCode, TakashiConnectionError } from './errors.ts'
import {
  compareEventIds,
  feedOfPath,
  splitSinceId,
  withSinceId,
  type RecordOf,
  type StreamPath,
} from './paths.ts'

/** What the client needs of a WebSocket: the browser's, Node 22's global one, or `ws`. */
export interface WebSocketLike {
  readonly readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
  /** Node's `ws`: its events (the client listens for the gateway's pings) */
  on?(event: 'ping', listener: () => void): unknown
  /** Node's `ws`: drops the connection at once, without a closing handshake */
  terminate?(): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** The resume notice: events after `since_id` up to `oldest_id` may have left the history. */
export interface ResumeNotice {
  type: 'resume'
  /** the subscription it belongs to */
  id: string
  status: 'partial'
  since_id: string
  oldest_id: string
}

export interface SubscriptionHandlers<T> {
  /** one record, in the stream's order; event records once each, never one seen before */
  onData(record: T): void
  /** the gateway answered the subscribe: records published from now on are delivered */
  onSubscribed?(): void
  /** a resume could not be complete (the history no longer held everything after the id) */
  onResume?(notice: ResumeNotice): void
  /** the gateway refused the subscription for good (bad path, unknown symbol): it has ended */
  onError?(error: TakashiError): void
}

export interface Subscription {
  /** the subscription's id on the connection */
  readonly id: string
  /** the path subscribed to, without `since_id` */
  readonly path: string
  /** event streams: the id of the last event delivered */
  readonly lastId: string | undefined
  /**
   * event streams: where a resume after a reconnect starts (the last event delivered, or before
   * any, the feed's newest id when the subscription went live); undefined while unknown
   */
  readonly resumeFrom: string | undefined
  /** ends the subscription; no record is delivered after this returns */
  unsubscribe(): void
}

export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface StreamStatus {
  state: StreamState
  /** reconnecting: the wait before the next attempt, ms */
  delayMs?: number
  /** reconnecting: the attempt number (1 = the first retry) */
  attempt?: number
  /** the close code and reason of the connection that ended, when there was one */
  closeCode?: number
  closeReason?: string
  /** closed: why the client gave up (an API key the gateway refuses) */
  error?: Error
}

export interface StreamOptions {
  /** the gateway's WebSocket base, e.g. `ws://localhost:8080` */
  url: string
  /** sent as `?api_key=` (browsers cannot set WebSocket headers) */
  apiKey?: string
  /** default: the global WebSocket */
  WebSocket?: WebSocketConstructor
  /** reconnect backoff; `false`: do not reconnect */
  reconnect?: BackoffOptions | false
  /** client messages per second at most (the gateway allows 20 by default) */
  maxMessagesPerSecond?: number
  /**
   * A connection that has heard nothing from the gateway for this long, not even a ping (the
   * gateway pings every 25 s), is taken for dead and replaced: a peer gone without a word (a
   * host that vanished, a dropped NAT entry) is otherwise noticed only when the OS gives up,
   * minutes later. Default 60,000; 0 turns it off. Only where the WebSocket shows pings
   * (Node's `ws`); a browser's socket cannot.
   */
  silenceMs?: number
  /**
   * The newest id of an event feed: where a subscription that has seen no event yet resumes
   * after a reconnect (so events in between are not lost). The client passes its REST reader.
   */
  feedPosition?: (feed: 'liquidations' | 'large-trades' | 'oi-spikes') => Promise<string>
  /**
   * Why a connection could not be opened (browsers hide the HTTP answer of a refused upgrade):
   * the client asks the REST API with the same key. A TakashiError with status 401/403 ends
   * the stream; a 429 waits its Retry-After.
   */
  diagnose?: () => Promise<TakashiError | undefined>
}

interface Entry {
  id: string
  path: string
  feed: ReturnType<typeof feedOfPath>
  lastId: string | undefined
  /** where to resume when no event was delivered yet */
  position: string | undefined
  handlers: SubscriptionHandlers<unknown>
  retryTimer: ReturnType<typeof setTimeout> | undefined
  retries: number
}

/** The position of a feed that held no event when a subscription went live. */
export const EMPTY_FEED = '0-0'

/** Errors on which a subscription is asked for again later instead of ending. */
const RETRYABLE = new Set(['rate_limited', 'backbone_unavailable', 'overloaded', 'shutting_down'])

/**
 * One multiplexed `/ws` connection (spec/API.md §5) carrying any number of subscriptions. It
 * connects on the first subscription, reconnects with backoff when the connection ends, and
 * subscribes everything again; event streams resume after the last event delivered
 * (`since_id`), so a reconnect loses and repeats nothing that the history still holds.
 */
export function createStream(options: StreamOptions) {
  const WebSocketImpl =
    options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
    missingWebSocket()
  const base = options.url.replace(/\/+$/, '')
  const url =
    options.apiKey === undefined
      ? `${base}/ws`
      : `${base}/ws?api_key=${encodeURIComponent(options.apiKey)}`
  const entries = new Map<string, Entry>()
  const statusListeners = new Set<(status: StreamStatus) => void>()
  const sender = createPacedSender(options.maxMessagesPerSecond ?? 10)
  let socket: WebSocketLike | undefined
  let state: StreamState = 'idle'
  let attempt = 0
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined
  let nextId = 0

  function setState(status: StreamStatus): void {
    state = status.state
    for (const listener of statusListeners) listener(status)
  }

  function sendSubscribe(entry: Entry): void {
    const sinceId = entry.feed ? (entry.lastId ?? entry.position) : undefined
    const path = withSinceId(entry.path, sinceId)
    sender.send(JSON.stringify({ op: 'subscribe', id: entry.id, path }))
  }

  function connect(): void {
    if (state === 'closed' || socket) return
    setState({ state: attempt === 0 ? 'connecting' : 'reconnecting' })
    const ws = new WebSocketImpl(url)
    socket = ws
    let openedAt: number | undefined
    let heard = false
    const silence = watchSilence(ws)
    ws.onopen = () => {
      silence.heard()
      openedAt = Date.now()
      setState({ state: 'open' })
      sender.attach((text) => ws.send(text))
      for (const entry of entries.values()) sendSubscribe(entry)
    }
    ws.onmessage = (event) => {
      heard = true
      silence.heard()
      onMessage(String(event.data))
    }
    ws.onerror = () => {
      // the close event follows with the code
    }
    ws.onclose = (event) => {
      silence.stop()
      if (socket !== ws) return
      socket = undefined
      sender.detach()
      // the next connection subscribes everything; a retry still pending would come twice
      for (const entry of entries.values()) {
        if (entry.retryTimer !== undefined) clearTimeout(entry.retryTimer)
        entry.retryTimer = undefined
      }
      if (state === 'closed') return
      // a connection that carried data, or lasted, starts the backoff again
      if (heard || (openedAt !== undefined && Date.now() - openedAt > 2_000)) attempt = 0
      void scheduleReconnect(event, openedAt === undefined)
    }
  }

  /** Drops `ws` once it has heard nothing for `silenceMs` (see StreamOptions.silenceMs). */
  function watchSilence(ws: WebSocketLike): { heard(): void; stop(): void } {
    const silenceMs = options.silenceMs ?? 60_000
    if (silenceMs <= 0 || typeof ws.on !== 'function' || typeof ws.terminate !== 'function') {
      return { heard: () => {}, stop: () => {} }
    }
    let heardAt = Date.now()
    const heard = () => {
      heardAt = Date.now()
    }
    ws.on('ping', heard)
    // terminate, not close: a closing handshake would wait on the silent peer too
    const timer = setInterval(
      () => {
        if (Date.now() - heardAt > silenceMs) ws.terminate?.()
      },
      Math.max(10, Math.min(silenceMs / 4, 5_000))
    )
    ;(timer as { unref?: () => void }).unref?.()
    return { heard, stop: () => clearInterval(timer) }
  }

  async function scheduleReconnect(
    closed: { code: number; reason: string },
    neverOpened: boolean
  ): Promise<void> {
    if (options.reconnect === false) return close()
    let delayMs = backoffDelay(attempt, options.reconnect)
    if (neverOpened && options.diagnose) {
      const refusal = await options.diagnose().catch(() => undefined)
      if (state === 'closed') return
      if (refusal && (refusal.status === 401 || refusal.status === 403)) {
        return close(refusal)
      }
      if (refusal?.retryAfter !== undefined) delayMs = Math.max(delayMs, refusal.retryAfter * 1000)
    }
    attempt++
    setState({
      state: 'reconnecting',
      delayMs,
      attempt,
      closeCode: closed.code,
      closeReason: closed.reason,
    })
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined
      connect()
    }, delayMs)
  }

  function onMessage(text: string): void {
    let message: { type?: unknown; id?: unknown; data?: unknown; error?: unknown }
    try {
      message = JSON.parse(text) as typeof message
    } catch {
      return
    }
    const entry = typeof message.id === 'string' ? entries.get(message.id) : undefined
    switch (message.type) {
      case 'data':
        if (entry) deliver(entry, message.data)
        return
      case 'subscribed':
        if (!entry) return
        entry.retries = 0
        entry.handlers.onSubscribed?.()
        learnPosition(entry)
        return
      case 'resume': {
        const notice = message as unknown as ResumeNotice
        // resuming from an empty feed's start: every event held is one this client never saw
        if (entry?.lastId === undefined && notice.since_id === EMPTY_FEED) return
        entry?.handlers.onResume?.(notice)
        return
      }
      case 'error':
        if (entry) refused(entry, message.error as { code: string; message: string })
        return
    }
  }

  function deliver(entry: Entry, record: unknown): void {
    if (entry.feed) {
      const id = (record as { id?: unknown }).id
      if (typeof id === 'string') {
        // ids order a feed: one at or before the last delivered was delivered already
        if (entry.lastId !== undefined && compareEventIds(id, entry.lastId) <= 0) return
        entry.lastId = id
      }
    }
    entry.handlers.onData(record)
  }

  /** A subscription that has seen no event yet resumes from the feed's newest id. */
  function learnPosition(entry: Entry): void {
    if (!entry.feed || entry.lastId !== undefined || entry.position !== undefined) return
    const feed = entry.feed
    options.feedPosition?.(feed).then(
      (position) => {
        if (entry.lastId === undefined && entry.position === undefined) entry.position = position
      },
      () => {
        // without a position a reconnect before the first event resumes from live
      }
    )
  }

  function refused(entry: Entry, body: { code: string; message: string }): void {
    const error = errorFromCode(body.code, body.message)
    if (RETRYABLE.has(error.code) && socket) {
      const delayMs = Math.max(
        (error.retryAfter ?? 0) * 1000,
        backoffDelay(entry.retries++, options.reconnect || {})
      )
      entry.retryTimer = setTimeout(() => {
        entry.retryTimer = undefined
        if (entries.get(entry.id) === entry && socket?.readyState === 1) sendSubscribe(entry)
      }, delayMs)
      return
    }
    entries.delete(entry.id)
    entry.handlers.onError?.(error)
  }

  function close(error?: Error): void {
    if (state === 'closed') return
    if (reconnectTimer !== undefined) clearTimeout(reconnectTimer)
    for (const entry of entries.values()) {
      if (entry.retryTimer !== undefined) clearTimeout(entry.retryTimer)
    }
    entries.clear()
    sender.detach()
    const ws = socket
    socket = undefined
    setState({ state: 'closed', ...(error && { error }) })
    ws?.close(1000, 'client closed')
  }

  const stream = {
    /** The connection's state now. */
    get state(): StreamState {
      return state
    },

    /** Calls `listener` on every change of state; returns a function that stops it. */
    onStatus(listener: (status: StreamStatus) => void): () => void {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },

    /**
     * Subscribes to a path stream of spec/API.md §5 (`streamPaths` builds them, typed). A
     * `since_id` in the path resumes after it. Aborting `signal` unsubscribes.
     */
    subscribe<P extends StreamPath<unknown>>(
      path: P,
      handlers: SubscriptionHandlers<RecordOf<P>> | ((record: RecordOf<P>) => void),
      call: { signal?: AbortSignal } = {}
    ): Subscription {
      if (state === 'closed') throw new TakashiConnectionError('the stream is closed')
      const split = splitSinceId(path)
      const entry: Entry = {
        id: `s${++nextId}`,
        path: split.path,
        feed: feedOfPath(split.path),
        lastId: split.sinceId,
        position: undefined,
        handlers: typeof handlers === 'function' ? { onData: handlers } : handlers,
        retryTimer: undefined,
        retries: 0,
      }
      entries.set(entry.id, entry)
      const unsubscribe = () => {
        if (entries.get(entry.id) !== entry) return
        entries.delete(entry.id)
        if (entry.retryTimer !== undefined) clearTimeout(entry.retryTimer)
        if (socket?.readyState === 1) {
          sender.send(JSON.stringify({ op: 'unsubscribe', id: entry.id }))
        }
      }
      call.signal?.addEventListener('abort', unsubscribe, { once: true })
      if (socket?.readyState === 1) sendSubscribe(entry)
      // connecting: the open sends it; reconnecting: the pending attempt does
      else if (state === 'idle') connect()
      return {
        id: entry.id,
        path: entry.path,
        get lastId() {
          return entry.lastId
        },
        get resumeFrom() {
          return entry.feed ? (entry.lastId ?? entry.position) : undefined
        },
        unsubscribe,
      }
    },

    /**
     * The records of a path stream as an async iterable (`for await … of`); leaving the loop
     * or aborting `signal` unsubscribes, a refused subscription throws its TakashiError.
     */
    records<P extends StreamPath<unknown>>(
      path: P,
      call: { signal?: AbortSignal } = {}
    ): AsyncIterableIterator<RecordOf<P>> {
      return iterate<RecordOf<P>>((handlers) => stream.subscribe(path, handlers, call), call.signal)
    },

    /** Ends every subscription and the connection; the stream does not reconnect after this. */
    close: () => close(),
  }
  return stream
}

/** A subscription as an async iterator: records queue until asked for. */
function iterate<T>(
  start: (handlers: SubscriptionHandlers<T>) => Subscription,
  signal: AbortSignal | undefined
): AsyncIterableIterator<T> {
  const queue: T[] = []
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | null = null
  let failure: Error | undefined
  let done = false
  const finish = (error?: Error) => {
    if (done) return
    done = true
    failure = error
    if (!waiting) return
    const { resolve, reject } = waiting
    waiting = null
    if (error === undefined) resolve({ value: undefined, done: true })
    else reject(error)
  }
  const subscription = start({
    onData(record) {
      if (waiting) {
        const { resolve } = waiting
        waiting = null
        resolve({ value: record, done: false })
      } else queue.push(record)
    },
    onError: (error) => finish(error),
  })
  const aborted = () =>
    finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
  signal?.addEventListener('abort', aborted, { once: true })
  return {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false })
      if (done) {
        return failure === undefined
          ? Promise.resolve({ value: undefined, done: true })
          : Promise.reject(failure)
      }
      return new Promise((resolve, reject) => (waiting = { resolve, reject }))
    },
    return() {
      subscription.unsubscribe()
      finish()
      queue.length = 0
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}

export type Stream = ReturnType<typeof createStream>

function missingWebSocket(): never {
  throw new TakashiConnectionError(
    'no global WebSocket: pass one (options.WebSocket), or import @takashi/client in Node, which uses the ws package'
  )
}
