import { createFetchClient, FetchJobError, type FetchRequest, type Keys } from '@takashi/bus'
import type { ExchangeId } from '@takashi/schemas'
import type { Logger } from '@takashi/observability'
import { ApiError } from './errors.ts'

/** Hands cache misses to the exchange's ingestor as BullMQ fetch jobs and waits for the answer. */
export interface Upstream {
  /** The ingestor's records (OHLC[] or one record); throws ApiError 504 / 502. */
  fetch(exchange: ExchangeId, request: FetchRequest): Promise<unknown>
  close(): Promise<void>
}

export function createUpstream(deps: {
  redisUrl: string
  keys: Keys
  log: Logger
  timeoutMs: number
  /** runs before a request reaches an exchange (the client's exchange-bound cost); may throw */
  beforeFetch?: () => Promise<void>
}): Upstream {
  const client = createFetchClient(deps)
  return {
    async fetch(exchange, request) {
      await deps.beforeFetch?.()
      try {
        return await client.fetch(exchange, request)
      } catch (err) {
        if (!(err instanceof FetchJobError)) throw err
        if (err.kind === 'timeout') {
          throw new ApiError(504, 'upstream_timeout', err.message, { cause: err })
        }
        // 'invalid' too: the gateway built the request, so a refusal is not the caller's fault
        throw new ApiError(502, 'upstream_error', err.message, { cause: err })
      }
    },
    close: () => client.close(),
  }
}
