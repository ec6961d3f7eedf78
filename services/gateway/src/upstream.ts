import { createFetchClient, FetchJobError, type FetchRequest, type Keys } from '@takashi/bus'
import type { ExchangeId } from '@takashi/schemas'
import type { Logger } from '@takashi/observability'
import { ApiError } from './errors.ts'

/** Hands cache misses to the exchange's ingestor as BullMQ fetch jobs and waits for the answer. */
export interface Upstream {
  /**
   * The ingestor's records (OHLC[] or one record); throws ApiError 504 / 502 / 503. `beforeFetch`
   * runs first (the client's exchange-bound cost) and may throw.
   */
  fetch(
    exchange: ExchangeId,
    request: FetchRequest,
    beforeFetch?: () => Promise<void>
  ): Promise<unknown>
  close(): Promise<void>
}

/** What a client may read of an upstream failure: the exchange's HTTP status at most. */
export function publicReason(exchange: ExchangeId, reason: string): string {
  const status = /answered (\d{3})\b/.exec(reason)?.[1]
  if (status !== undefined) return `${exchange} answered HTTP ${status}`
  if (reason.includes('invalid JSON')) return `${exchange} answered something that is not JSON`
  return `${exchange} could not serve this request`
}

export function createUpstream(deps: {
  redisUrl: string
  keys: Keys
  log: Logger
  timeoutMs: number
}): Upstream {
  const client = createFetchClient(deps)
  return {
    async fetch(exchange, request, beforeFetch) {
      await beforeFetch?.()
      try {
        return await client.fetch(exchange, request)
      } catch (err) {
        if (!(err instanceof FetchJobError)) throw err
        if (err.kind === 'busy') {
          // the exchange's budget protects the deployment; the client asks again later
          const seconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 1_000) / 1000))
          throw new ApiError(503, 'busy', `${err.message}; retry in ${seconds} s`, {
            cause: err,
            headers: { 'Retry-After': String(seconds) },
          })
        }
        if (err.kind === 'timeout') {
          throw new ApiError(504, 'upstream_timeout', err.message, { cause: err })
        }
        // the detail (an exchange's error body, a URL) is for the logs, never for the answer
        deps.log.warn({ exchange, kind: err.kind, reason: err.message }, 'fetch job failed')
        // 'invalid' too: the gateway built the request, so a refusal is not the caller's fault
        throw new ApiError(502, 'upstream_error', publicReason(exchange, err.message), {
          cause: err,
        })
      }
    },
    close: () => client.close(),
  }
}
