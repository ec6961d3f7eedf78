/** Bybit answered a REST call with an error (`retCode` ≠ 0) or a body takashi does not understand. */
export class BybitResponseError extends Error {
  override readonly name = 'BybitResponseError'

  constructor(
    /** the request path, e.g. `/v5/market/kline` */
    readonly path: string,
    reason: string,
    options?: { cause?: unknown }
  ) {
    super(`bybit ${path}: ${reason}`, options)
  }
}
