/** Hyperliquid answered an info request with a body takashi does not understand. */
export class HyperliquidResponseError extends Error {
  override readonly name = 'HyperliquidResponseError'

  constructor(
    /** the info request type, e.g. `candleSnapshot` */
    readonly type: string,
    reason: string,
    options?: { cause?: unknown }
  ) {
    super(`hyperliquid /info ${type}: unexpected response (${reason})`, options)
  }
}
