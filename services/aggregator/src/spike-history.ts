import { Queue, QueueEvents, type Job } from 'bullmq'
import {
  createRedis,
  fetchJobId,
  readCandles,
  UPSTREAM_ERROR_PREFIX,
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
  const prefix = keys.bullPrefix
  const fetchQueues = new Map<ExchangeId, { queue: Queue; events: QueueEvents }>()
  const connections: Redis[] = []
  const blocking = () => {
    const connection = createRedis(deps.redisUrl, { blocking: true })
    connection.on('error', (err) => log.debug({ err }, 'redis connection error'))
    connections.push(connection)
    return connection
  }

  function fetchQueue(exchange: ExchangeId) {
    let entry = fetchQueues.get(exchange)
    if (!entry) {
      const name = keys.fetchQueue(exchange)
      entry = {
        queue: new Queue(name, { connection: blocking(), prefix }),
        events: new QueueEvents(name, { connection: blocking(), prefix }),
      }
      // every waiting fetch listens for its job's end; seeds wait on many at once
      entry.queue.setMaxListeners(0)
      entry.events.setMaxListeners(0)
      fetchQueues.set(exchange, entry)
    }
    return entry
  }

  /**
   * Asks the exchange's ingestor. A job the ingestor refused for a reason other than the
   * exchange (it keeps no such history) is an empty answer; anything else is RETRY.
   */
  async function fetchFromIngestor<T>(
    exchange: ExchangeId,
    request: FetchRequest
  ): Promise<T[] | typeof RETRY> {
    const { queue, events } = fetchQueue(exchange)
    let job: Job | undefined
    try {
      await events.waitUntilReady()
      job = await queue.add(request.kind, request, {
        jobId: fetchJobId(request),
        attempts: 1,
        removeOnComplete: { age: 5 },
        removeOnFail: { age: 5 },
      })
      return (await job.waitUntilFinished(events, deps.fetchTimeoutMs)) as T[]
    } catch (err) {
      log.debug({ err, exchange, kind: request.kind }, 'history fetch failed')
      const reason = err instanceof Error ? err.message : ''
      const refused = (await job?.isFailed().catch(() => false)) === true
      return refused && !reason.startsWith(UPSTREAM_ERROR_PREFIX) ? [] : RETRY
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
      for (const { queue, events } of fetchQueues.values()) {
        await queue.close()
        await events.close()
      }
      fetchQueues.clear()
      for (const connection of connections) connection.disconnect()
      connections.length = 0
    },
  }
}

export type SpikeHistory = ReturnType<typeof createSpikeHistory>
