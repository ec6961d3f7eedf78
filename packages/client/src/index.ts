import { TakashiError } from './errors.ts'
import { createRestClient, type RestClient } from './rest.ts'
import {
  createStream,
  EMPTY_FEED,
  type Stream,
  type StreamOptions,
  type WebSocketConstructor,
} from './stream.ts'
import type { BackoffOptions } from './backoff.ts'

export * from './errors.ts'
export * from './types.ts'
export { streamPaths, compareEventIds, type StreamPath, type RecordOf } from './paths.ts'
export { requestTarget, REST_PATHS, type Operation, type RestClient } from './rest.ts'
export type {
  ResumeNotice,
  Stream,
  StreamState,
  StreamStatus,
  Subscription,
  SubscriptionHandlers,
  WebSocketConstructor,
  WebSocketLike,
} from './stream.ts'
export type { BackoffOptions } from './backoff.ts'

export interface ClientOptions {
  /** the gateway, e.g. `http://localhost:8080`; in a page, default its own origin */
  baseUrl?: string
  /** sent as `X-API-Key` on REST, `?api_key=` on WebSockets */
  apiKey?: string
  /** default: the global fetch */
  fetch?: typeof fetch
  /** default: the global WebSocket (in Node, `@takashi/client` uses the ws package) */
  WebSocket?: WebSocketConstructor
  /** WebSocket reconnect backoff; `false`: do not reconnect */
  reconnect?: BackoffOptions | false
  /** `/ws` messages per second at most (the gateway allows WS_MAX_MESSAGES_PER_SECOND, 20) */
  maxMessagesPerSecond?: number
  /** a `/ws` connection silent this long (no message, no ping) is replaced; default 60,000 */
  silenceMs?: number
}

export type TakashiClient = RestClient & {
  /** A multiplexed `/ws` connection with its own subscriptions; reconnects and resumes. */
  stream(options?: Pick<StreamOptions, 'reconnect' | 'maxMessagesPerSecond' | 'silenceMs'>): Stream
  readonly baseUrl: string
}

function defaultBaseUrl(): string {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin
  if (origin === undefined || origin === 'null') {
    throw new TypeError('baseUrl: required outside a web page (e.g. http://localhost:8080)')
  }
  return origin
}

/** A client of one takashi gateway (or its load balancer): REST calls and `/ws` streams. */
export function createClient(options: ClientOptions = {}): TakashiClient {
  const baseUrl = (options.baseUrl ?? defaultBaseUrl()).replace(/\/+$/, '')
  const rest = createRestClient({ ...options, baseUrl })
  const wsBase = baseUrl.replace(/^http/, 'ws')
  return {
    ...rest,
    baseUrl,
    stream: (streamOptions = {}) =>
      createStream({
        url: wsBase,
        apiKey: options.apiKey,
        WebSocket: options.WebSocket,
        reconnect: options.reconnect,
        maxMessagesPerSecond: options.maxMessagesPerSecond,
        silenceMs: options.silenceMs,
        ...streamOptions,
        feedPosition: async (feed) => {
          const operation = FEED_OPERATION[feed]
          const [newest] = await rest[operation]({ limit: 1 })
          return newest?.id ?? EMPTY_FEED
        },
        diagnose: async () => {
          try {
            await rest.root()
            return undefined
          } catch (err) {
            return err instanceof TakashiError ? err : undefined
          }
        },
      }),
  }
}

const FEED_OPERATION = {
  liquidations: 'liquidations',
  'large-trades': 'largeTrades',
  'oi-spikes': 'oiSpikes',
} as const
