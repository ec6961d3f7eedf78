import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from '@takashi/observability'

/** Stable error codes of the public API (spec §4). */
export type ErrorCode =
  | 'bad_request'
  | 'unknown_exchange'
  | 'unknown_symbol'
  | 'not_found'
  | 'rate_limited'
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
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }

  /** The JSON body of the answer. */
  body(): string {
    return JSON.stringify({ error: { code: this.code, message: this.message } })
  }
}

export const badParam = (name: string, message: string) =>
  new ApiError(400, 'bad_request', `${name}: ${message}`)

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
    res.status(apiError.status).type('application/json').send(apiError.body())
  }
}

function isBodyParserError(err: unknown): err is { status: number; message: string } {
  const status = (err as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500
}
