/** OKX answered a REST call with an error (`code` ≠ "0") or a body takashi does not understand. */
export class OkxResponseError extends Error {
  override readonly name = 'OkxResponseError'

  constructor(
    /** the request path, e.g. `/api/v5/market/candles` */
    readonly path: string,
    reason: string,
    options?: { cause?: unknown }
  ) {
    super(`okx ${path}: ${reason}`, options)
  }
}
