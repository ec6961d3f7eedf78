import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from '@takashi/observability'

/** Stable error codes of the public API (spec §4). */
export type ErrorCode =
  | 'bad_request'
  | 'unknown_exchange'
  | 'unknown_symbol'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'busy'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'backbone_unavailable'
  | 'overloaded'
  | 'shutting_down'
  | 'internal'

/** An error answered to the client as `{"error":{"code","message"}}` with `status`. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> }
  ) {
    super(message, options)
    this.headers = options?.headers ?? {}
  }

  /** headers the answer carries, e.g. `Retry-After` */
  readonly headers: Record<string, string>

  /** The JSON body of the answer. */
  body(): string {
    return JSON.stringify({ error: { code: this.code, message: this.message } })
  }
}

export const badParam = (name: string, message: string) =>
  new ApiError(400, 'bad_request', `${name}: ${message}`)

/** 429 `rate_limited` with `Retry-After` (whole seconds, at least 1). */
export function rateLimited(message: string, retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return new ApiError(429, 'rate_limited', `${message}; retry in ${seconds} s`, {
    headers: { 'Retry-After': String(seconds) },
  })
}

export const backboneDown = (cause?: unknown) =>
  new ApiError(503, 'backbone_unavailable', 'the Redis backbone is unavailable', { cause })

/** Unknown routes: 404 `not_found`. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`))
}

/**
 * Renders ApiErrors as they are; anything else is a 500 `internal` logged with `err`, or a 503
 * when the backbone is down (`isBackboneDown`), since then the failure is Redis, not the code.
 */
export function errorHandler(log: Logger, isBackboneDown: () => boolean): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err)
    let apiError: ApiError
    if (err instanceof ApiError) apiError = err
    else if (isBackboneDown()) apiError = backboneDown(err)
    else if (isBodyParserError(err)) apiError = new ApiError(err.status, 'bad_request', err.message)
    else {
      log.error({ err, route: req.path }, 'request failed')
      apiError = new ApiError(500, 'internal', 'internal error')
    }
    res.set(apiError.headers).status(apiError.status).type('application/json').send(apiError.body())
  }
}

function isBodyParserError(err: unknown): err is { status: number; message: string } {
  const status = (err as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500
}
