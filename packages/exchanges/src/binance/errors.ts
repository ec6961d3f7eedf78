/** Binance answered a REST call with a body takashi does not understand (or for another symbol). */
export class BinanceResponseError extends Error {
  override readonly name = 'BinanceResponseError'

  constructor(
    /** the request path, e.g. `/fapi/v1/klines` */
    readonly path: string,
    reason: string,
    options?: { cause?: unknown }
  ) {
    super(`binance ${path}: unexpected response (${reason})`, options)
  }
}
