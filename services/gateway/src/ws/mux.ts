import type { WebSocket } from 'ws'
import type { Logger } from '@takashi/observability'
import { ApiError, badParam } from '../errors.ts'
import { ackMessage, errorMessage } from './envelope.ts'
import type { Hub } from './hub.ts'
import { streamOf, type ResolveStream } from './streams.ts'

// The multiplexed protocol on `/ws` (docs/asyncapi.yaml): each subscription names a path
// stream of spec §5 with its query, resolved exactly as an upgrade to that path would be.

export type MuxRequest =
  { op: 'subscribe'; id: string; path: string } | { op: 'unsubscribe'; id: string }

export const MUX_LIMITS = {
  subscriptions: 50,
  requestBytes: 4_096,
  idLength: 64,
  pathLength: 2_048,
}

/** A client request → the request, or the error to answer (with the request's id when known). */
export function parseMuxRequest(
  text: string
): { request: MuxRequest } | { id: string | null; error: ApiError } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { id: null, error: new ApiError(400, 'bad_request', 'request: not valid JSON') }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: null, error: new ApiError(400, 'bad_request', 'request: must be a JSON object') }
  }
  const { op, id, path } = value as Record<string, unknown>
  if (typeof id !== 'string' || id.length === 0 || id.length > MUX_LIMITS.idLength) {
    const message = `must be a string of 1 to ${MUX_LIMITS.idLength} characters`
    return { id: null, error: badParam('id', message) }
  }
  if (op === 'unsubscribe') return { request: { op, id } }
  if (op !== 'subscribe') {
    return { id, error: badParam('op', "must be 'subscribe' or 'unsubscribe'") }
  }
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > MUX_LIMITS.pathLength) {
    const message = `must be a stream path such as /ws/binance/BTCUSDT/trades (at most ${MUX_LIMITS.pathLength} characters)`
    return { id, error: badParam('path', message) }
  }
  return { request: { op, id, path } }
}

/** Serves the multiplexed protocol on an open client. */
export function serveMux(
  ws: WebSocket,
  deps: {
    hub: Hub
    resolveStream: ResolveStream
    log: Logger
    /** counts one client message; false when the connection broke its message rate */
    admitMessage?: () => boolean
    /** a subscription with since_id starts a replay; an error when the client has none left */
    allowReplay?: () => ApiError | null
  }
): void {
  const { hub, resolveStream, log } = deps
  const conn = hub.connect(ws, 'mux')
  const fail = (id: string | null, error: ApiError) => conn.send(errorMessage(id, error))

  function subscribe(id: string, path: string): void {
    if (conn.has(id)) return fail(id, badParam('id', `subscription '${id}' is already active`))
    if (conn.subscriptions >= MUX_LIMITS.subscriptions) {
      const message = `at most ${MUX_LIMITS.subscriptions} subscriptions per connection`
      return fail(id, new ApiError(400, 'bad_request', message))
    }
    let plan
    try {
      plan = streamOf(resolveStream, path)
    } catch (err) {
      if (err instanceof ApiError) return fail(id, err)
      log.error({ err }, 'ws subscribe failed')
      return fail(id, new ApiError(500, 'internal', 'internal error'))
    }
    if (plan.sinceId !== undefined) {
      const refused = deps.allowReplay?.()
      if (refused) return fail(id, refused)
    }
    conn.subscribe(plan, id, ackMessage('subscribed', id)).catch((err: unknown) => {
      log.warn({ err, stream: plan.kind }, 'ws subscription start failed')
      fail(
        id,
        new ApiError(503, 'backbone_unavailable', 'the history read failed; subscribe again')
      )
    })
  }

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (deps.admitMessage?.() === false) return
    if (isBinary) return fail(null, new ApiError(400, 'bad_request', 'request: must be text'))
    if (data.length > MUX_LIMITS.requestBytes) {
      const message = `request: larger than ${MUX_LIMITS.requestBytes} bytes`
      return fail(null, new ApiError(400, 'bad_request', message))
    }
    const parsed = parseMuxRequest(data.toString())
    if ('error' in parsed) return fail(parsed.id, parsed.error)
    const { request } = parsed
    if (request.op === 'subscribe') return subscribe(request.id, request.path)
    if (conn.unsubscribe(request.id)) conn.send(ackMessage('unsubscribed', request.id))
    else fail(request.id, new ApiError(404, 'not_found', `no subscription '${request.id}'`))
  })
}
