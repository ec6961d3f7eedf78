import { busyFailure, upstreamFailure } from '@takashi/bus'

/**
 * The exchange failed a REST call (HTTP error, ban, timeout, spent budget). The message starts
 * with UPSTREAM_ERROR_PREFIX (`upstreamFailure`), so a failed fetch job tells the gateway to
 * answer 502.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError'

  constructor(
    /** the exchange's HTTP status, or 0 when no response arrived */
    readonly status: number,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(upstreamFailure(message), options)
  }
}

/**
 * A client's request the ingestor will not send now: the clients' share of the exchange's budget
 * is spent, or the exchange paused us. The message is `busyFailure`, so a failed fetch job tells
 * the gateway to answer 503 busy with Retry-After.
 */
export class BusyError extends Error {
  override readonly name = 'BusyError'

  constructor(readonly retryAfterMs: number) {
    super(busyFailure(retryAfterMs))
  }
}
