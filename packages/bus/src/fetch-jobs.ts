import { z } from 'zod'
import { Interval, SpikeTimeframe } from '@takashi/schemas'

/**
 * A cache miss the gateway hands to an exchange's ingestor (BullMQ job data). The ingestor
 * answers with the normalized records: OHLC[] oldest first, or one OpenInterest / FundingRate.
 */
export const FetchRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ohlc'),
    symbol: z.string(),
    interval: Interval,
    limit: z.number().int().min(1).max(1000),
    start_time: z.number().int().optional(),
    end_time: z.number().int().optional(),
  }),
  z.object({ kind: z.literal('open_interest'), symbol: z.string() }),
  z.object({ kind: z.literal('funding_rate'), symbol: z.string() }),
  z.object({
    kind: z.literal('oi_history'),
    symbol: z.string(),
    timeframe: SpikeTimeframe,
    limit: z.number().int().min(1).max(500),
  }),
])
export type FetchRequest = z.infer<typeof FetchRequest>

/** The job id: identical requests share it, so concurrent misses share one upstream call. */
export function fetchJobId(request: FetchRequest): string {
  // BullMQ job ids may not contain ':'.
  if (request.kind === 'oi_history') {
    return ['oi_history', request.symbol, request.timeframe, request.limit].join('|')
  }
  if (request.kind !== 'ohlc') return `${request.kind}|${request.symbol}`
  const { symbol, interval, limit, start_time, end_time } = request
  return ['ohlc', symbol, interval, limit, start_time ?? '', end_time ?? ''].join('|')
}

/** Message prefix of a failed fetch job whose cause is the exchange (the gateway answers 502). */
export const UPSTREAM_ERROR_PREFIX = 'upstream:'

/** The failed-job message of an exchange failure: the worker half of `readUpstreamFailure`. */
export function upstreamFailure(message: string): string {
  return message.startsWith(UPSTREAM_ERROR_PREFIX) ? message : `${UPSTREAM_ERROR_PREFIX} ${message}`
}

/** The exchange's reason in a failed-job message, or undefined when the exchange did not fail. */
export function readUpstreamFailure(message: string): string | undefined {
  if (!message.startsWith(UPSTREAM_ERROR_PREFIX)) return undefined
  return message.slice(UPSTREAM_ERROR_PREFIX.length).trim()
}

/** Message prefix of a job the ingestor would not send now: the client share of the budget is spent. */
export const BUSY_PREFIX = 'busy:'

/** The failed-job message of a request refused for budget: `busy: <ms until it may be asked again>`. */
export function busyFailure(retryAfterMs: number): string {
  return `${BUSY_PREFIX} ${Math.max(0, Math.ceil(retryAfterMs))}`
}

/** The wait of a `busyFailure` message, or undefined for any other message. */
export function readBusyFailure(message: string): number | undefined {
  if (!message.startsWith(BUSY_PREFIX)) return undefined
  const ms = Number(message.slice(BUSY_PREFIX.length).trim())
  return Number.isFinite(ms) ? ms : undefined
}
