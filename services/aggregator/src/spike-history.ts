import {
  createFetchClient,
  FetchJobError,
  readCandles,
  type FetchRequest,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { ExchangeId, Ohlc, OpenInterest, SpikeTimeframe } from '@takashi/schemas'
import { WINDOW_SIZE, type Reading } from './oi-spike.ts'

/** No answer for now (timeout, exchange failure): try again at the next evaluation. */
export const RETRY = Symbol('retry')

export interface SpikeHistoryDeps {
  redis: Redis
  redisUrl: string
  keys: Keys
  log: Logger
  /** how long a history fetch from an ingestor may take */
  fetchTimeoutMs: number
  /**
   * History fetches per exchange: a burst, then a steady rate per second. Seeding a whole market
   * (thousands of series) must not take the clients' share of an exchange's REST budget.
   */
  fetchRate?: { burst: number; perSecond: number }
  now?: () => number
}

/** 32 at once (two symbols' windows seed without waiting), then one a second per exchange. */
export const HISTORY_FETCH_RATE = { burst: 32, perSecond: 1 }

/** Where a series' window starts: the exchange's history, asked of its ingestor. */
export function createSpikeHistory(deps: SpikeHistoryDeps) {
  const { redis, keys, log } = deps
  const client = createFetchClient({
    redisUrl: deps.redisUrl,
    keys,
    log,
    timeoutMs: deps.fetchTimeoutMs,
  })

  /**
   * Asks the exchange's ingestor. A request the ingestor refused (it keeps no such history) is
   * an empty answer; anything else is RETRY.
   */
  const rate = deps.fetchRate ?? HISTORY_FETCH_RATE
  const now = deps.now ?? Date.now
  const buckets = new Map<ExchangeId, { tokens: number; at: number }>()
  /** Takes one fetch of the exchange's allowance, or false when it is spent for now. */
  function allowed(exchange: ExchangeId): boolean {
    const at = now()
    const bucket = buckets.get(exchange) ?? { tokens: rate.burst, at }
    bucket.tokens = Math.min(
      rate.burst,
      bucket.tokens + ((at - bucket.at) / 1_000) * rate.perSecond
    )
    bucket.at = at
    buckets.set(exchange, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  async function fetchFromIngestor<T>(
    exchange: ExchangeId,
    request: FetchRequest
  ): Promise<T[] | typeof RETRY> {
    // over the allowance the series waits for a later evaluation, unseeded and unjudged
    if (!allowed(exchange)) return RETRY
    try {
      return (await client.fetch(exchange, request)) as T[]
    } catch (err) {
      log.debug({ err, exchange, kind: request.kind }, 'history fetch failed')
      return err instanceof FetchJobError && err.kind === 'invalid' ? [] : RETRY
    }
  }

  return {
    /** Open interest at each period close, oldest first (empty where none is kept). */
    async openInterest(
      exchange: ExchangeId,
      symbol: string,
      timeframe: SpikeTimeframe
    ): Promise<Reading[] | typeof RETRY> {
      const history = await fetchFromIngestor<OpenInterest>(exchange, {
        kind: 'oi_history',
        symbol,
        timeframe,
        limit: WINDOW_SIZE + 1,
      })
      if (history === RETRY) return RETRY
      return history.map((r) => ({ period: r.timestamp, value: r.open_interest, at: r.timestamp }))
    },

    /** The newest candles, oldest first: from the cache when it holds them all, else fetched. */
    async candles(
      exchange: ExchangeId,
      symbol: string,
      timeframe: SpikeTimeframe
    ): Promise<Ohlc[] | typeof RETRY> {
      const series = { exchange, symbol, interval: timeframe }
      const cached = await readCandles(redis, keys, series, { limit: WINDOW_SIZE + 1 })
      const candles = JSON.parse(cached.body) as Ohlc[]
      if (cached.covered) return candles
      const fetched = await fetchFromIngestor<Ohlc>(exchange, {
        kind: 'ohlc',
        symbol,
        interval: timeframe,
        limit: WINDOW_SIZE + 1,
      })
      if (fetched !== RETRY) return fetched
      return candles.length > 0 ? candles : RETRY
    },

    async stop(): Promise<void> {
      await client.close()
    },
  }
}

export type SpikeHistory = ReturnType<typeof createSpikeHistory>
