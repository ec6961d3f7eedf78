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
}

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
  async function fetchFromIngestor<T>(
    exchange: ExchangeId,
    request: FetchRequest
  ): Promise<T[] | typeof RETRY> {
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
