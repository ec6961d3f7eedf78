/** The status each stable error code of the contract is answered with (spec/API.md §4, §6). */
export const STATUS_OF_CODE: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_exchange: 404,
  unknown_symbol: 404,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  backbone_unavailable: 503,
  busy: 503,
  overloaded: 503,
  shutting_down: 503,
  upstream_timeout: 504,
}

/**
 * An error answered by the gateway: `code` is the contract's stable snake_case code
 * (`bad_request`, `rate_limited`, …), `status` the HTTP status, `retryAfter` seconds to wait
 * when the answer said so (429, 503).
 */
export class TakashiError extends Error {
  override readonly name = 'TakashiError'
  readonly status: number
  readonly code: string
  readonly retryAfter: number | undefined

  constructor(
    status: number,
    code: string,
    message: string,
    options: { retryAfter?: number; cause?: unknown } = {}
  ) {
    super(message, { cause: options.cause })
    this.status = status
    this.code = code
    this.retryAfter = options.retryAfter
  }

  /** True when asking again later may succeed (limits, a backbone or replica that is away). */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503 || this.status === 504
  }
}

/** The gateway could not be reached (network failure, refused connection, no answer). */
export class TakashiConnectionError extends Error {
  override readonly name = 'TakashiConnectionError'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause })
  }
}

/** `Retry-After` in seconds: a number of seconds or an HTTP date; undefined when absent. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

/** The seconds a WebSocket `rate_limited` message names (`…; retry in 6 s`), if any. */
export function retryAfterInMessage(message: string): number | undefined {
  const match = /retry in (\d+) s/.exec(message)
  return match ? Number(match[1]) : undefined
}

/** A mux `error` message's `{code, message}` as a TakashiError. */
export function errorFromCode(code: string, message: string): TakashiError {
  return new TakashiError(STATUS_OF_CODE[code] ?? 500, code, message, {
    retryAfter: retryAfterInMessage(message),
  })
}
