import got, { RequestError, TimeoutError } from 'got'
import type { Keys, Redis } from '@takashi/bus'
import type { RestClient, RestRequest } from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import type { ExchangeId } from '@takashi/schemas'
import { parseRetryAfter } from './backoff.ts'
import { BusyError, UpstreamError } from './errors.ts'
import type { IngestorMetrics } from './metrics.ts'

/**
 * The ingestor's REST client: a shared per-minute weight budget and ban in Redis. The budget is
 * split: requests made for clients (cache-miss fetch jobs) may use at most half of it, so the
 * ingestor's own polls and backfill always keep the other half.
 */
export interface IngestorRestClient extends RestClient {
  /** the weight all processes of this exchange may spend per minute (from loadMarkets) */
  setBudget(weightPerMinute: number): void
  /**
   * The same client for requests made on a client's behalf: drawn from the clients' half of the
   * budget, and failing at once with a BusyError (never waiting) when it is spent or paused.
   */
  readonly forClients: RestClient
}

/** The share of the budget client-driven requests may use (spec §6). */
export const CLIENT_SHARE = 0.5

export interface RestTiming {
  timeoutMs: number
  /** the budget window; a minute in production */
  windowMs: number
  /** longest wait for budget before giving up */
  maxWaitMs: number
  /** pause after a 418 ban without Retry-After */
  banFallbackMs: number
  /** pause after a 429 without Retry-After */
  slowDownFallbackMs: number
}

export interface RestClientDeps {
  exchange: ExchangeId
  /** the exchange's REST base URL, used exactly as given (http:// too) */
  baseUrl: string
  redis: Redis
  keys: Keys
  metrics: IngestorMetrics
  log: Logger
  /** budget until setBudget is called (loadMarkets itself goes through the client) */
  weightPerMinute?: number
  timing?: Partial<RestTiming>
  /** the clock the budget windows and bans are read from; default Date.now */
  now?: () => number
}

// Reserve weight in the current window unless the exchange banned us; a client request
// (ARGV[5] = the clients' share, -1 otherwise) must also fit that share. Returns
// {0, used} granted · {1, used} over budget · {2, until} banned · {3, used} share spent.
// Nothing is reserved unless granted. A lone request heavier than the limit goes when the
// window is empty, or it could never go.
const RESERVE = `
local banned = tonumber(redis.call('GET', KEYS[2]) or '0')
if banned > tonumber(ARGV[4]) then return {2, banned} end
local weight = tonumber(ARGV[1])
local share = tonumber(ARGV[5])
if share >= 0 then
  local spent = tonumber(redis.call('GET', KEYS[3]) or '0')
  if spent > 0 and spent + weight > share then return {3, spent} end
end
local used = redis.call('INCRBY', KEYS[1], weight)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if used > tonumber(ARGV[2]) and used > weight then
  redis.call('DECRBY', KEYS[1], weight)
  return {1, used - weight}
end
if share >= 0 then
  redis.call('INCRBY', KEYS[3], weight)
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return {0, used}
`

export function createRestClient(deps: RestClientDeps): IngestorRestClient {
  const { exchange, redis, keys, metrics } = deps
  const timing: RestTiming = {
    timeoutMs: 10_000,
    windowMs: 60_000,
    maxWaitMs: 65_000,
    banFallbackMs: 120_000,
    slowDownFallbackMs: 30_000,
    ...deps.timing,
  }
  const baseUrl = deps.baseUrl.replace(/\/+$/, '')
  const log = deps.log.child({ component: 'rest' })
  const clock = deps.now ?? Date.now
  let budget = deps.weightPerMinute ?? 600
  // a ban kept here too: an emptied Redis must not send us back to a venue that banned us
  let bannedUntil = 0

  /** Waits for budget (own requests) or fails at once with a BusyError (clients' requests). */
  async function reserve(weight: number, forClient: boolean, path: string): Promise<void> {
    const deadline = clock() + timing.maxWaitMs
    for (;;) {
      const now = clock()
      if (bannedUntil > now) {
        if (forClient) throw new BusyError(bannedUntil - now)
        throw new UpstreamError(
          429,
          `${exchange} REST paused until ${new Date(bannedUntil).toISOString()} after a rate-limit answer`
        )
      }
      const windowStart = now - (now % timing.windowMs)
      const share = forClient ? Math.floor(budget * CLIENT_SHARE) : -1
      const [outcome, value] = (await redis.eval(
        RESERVE,
        3,
        keys.restWeight(exchange, windowStart),
        keys.restBannedUntil(exchange),
        keys.restClientWeight(exchange, windowStart),
        String(weight),
        String(budget),
        String(timing.windowMs * 2),
        String(now),
        String(share)
      )) as [number, number]
      if (outcome === 2) {
        bannedUntil = Math.max(bannedUntil, value)
        if (forClient) throw new BusyError(value - now)
        throw new UpstreamError(
          429,
          `${exchange} REST paused until ${new Date(value).toISOString()} after a rate-limit answer`
        )
      }
      if (outcome !== 3) metrics.restWeightUsed.set({ exchange }, value)
      if (outcome === 0) return
      const wait = windowStart + timing.windowMs - now + Math.floor(Math.random() * 100)
      if (forClient) {
        metrics.restClientRefusals.inc({ exchange })
        throw new BusyError(wait)
      }
      if (now + wait > deadline) {
        throw new UpstreamError(429, `${exchange} REST budget for this minute is spent (${path})`)
      }
      log.debug({ wait_ms: wait, used: value, budget }, 'rest budget spent, waiting')
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  async function ban(status: number, retryAfter: string | string[] | undefined): Promise<void> {
    const fallback = status === 418 ? timing.banFallbackMs : timing.slowDownFallbackMs
    const pauseMs = Math.max(1, parseRetryAfter(retryAfter) ?? fallback)
    const until = clock() + pauseMs
    bannedUntil = Math.max(bannedUntil, until)
    await redis.set(keys.restBannedUntil(exchange), String(until), 'PX', pauseMs)
    log.warn({ status, pause_ms: pauseMs }, 'exchange rate-limited us, pausing REST')
  }

  async function send(request: RestRequest, forClient: boolean): Promise<unknown> {
    await reserve(request.weight, forClient, request.path)
    const url = baseUrl + (request.path.startsWith('/') ? request.path : `/${request.path}`)
    const searchParams = Object.fromEntries(
      Object.entries(request.query ?? {}).filter(
        (entry): entry is [string, string | number] => entry[1] !== undefined
      )
    )
    let response
    try {
      response = await got(url, {
        method: request.method,
        searchParams,
        ...(request.body !== undefined && { json: request.body }),
        headers: { accept: 'application/json' },
        timeout: { request: timing.timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        responseType: 'text',
      })
    } catch (err) {
      const label = err instanceof TimeoutError ? 'timeout' : 'error'
      metrics.restRequests.inc({ exchange, status: label })
      metrics.upstreamErrors.inc({ exchange, status: label })
      const code = err instanceof RequestError ? err.code : 'unknown'
      throw new UpstreamError(0, `${exchange} ${request.path} failed: ${label} (${code})`, {
        cause: err,
      })
    }
    const status = response.statusCode
    metrics.restRequests.inc({ exchange, status: String(status) })
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(response.body) as unknown
      } catch (err) {
        metrics.upstreamErrors.inc({ exchange, status: String(status) })
        throw new UpstreamError(502, `${exchange} ${request.path} answered invalid JSON`, {
          cause: err,
        })
      }
    }
    metrics.upstreamErrors.inc({ exchange, status: String(status) })
    if (status === 429 || status === 418) await ban(status, response.headers['retry-after'])
    throw new UpstreamError(
      status,
      `${exchange} ${request.path} answered ${status}: ${response.body.slice(0, 200)}`
    )
  }

  return {
    request: (request) => send(request, false),
    forClients: { request: (request) => send(request, true) },
    setBudget(weightPerMinute) {
      budget = weightPerMinute
    },
  }
}
