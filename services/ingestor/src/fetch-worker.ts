import { UnrecoverableError, Worker, type Job } from 'bullmq'
import { createRedis, FetchRequest, fetchJobId, type Keys, type Redis } from '@takashi/bus'
import type { ExchangeAdapter, RestContext, RestClient } from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import type { FundingRate, Ohlc, OpenInterest } from '@takashi/schemas'
import { createClosedWindows, isClosedWindow } from './closed-windows.ts'
import { BusyError } from './errors.ts'
import type { IngestorMetrics } from './metrics.ts'
import type { Publisher } from './publisher.ts'

export interface FetchWorkerDeps {
  adapter: Pick<ExchangeAdapter, 'id' | 'rest'>
  /** fails fast when the REST budget is spent: the gateway is waiting */
  rest: RestClient
  context(): RestContext
  redisUrl: string
  keys: Keys
  publisher: Publisher
  metrics: IngestorMetrics
  log: Logger
  concurrency?: number
  /** the clock closed windows are judged by; default Date.now */
  now?: () => number
}

type FetchResult = Ohlc[] | OpenInterest[] | OpenInterest | FundingRate

/**
 * Answers the gateway's cache misses: a BullMQ worker on the exchange's fetch queue. The job's
 * return value is the records; an exchange failure fails the job with an `upstream:` message.
 */
export function createFetchWorker(deps: FetchWorkerDeps) {
  const { adapter, metrics, keys } = deps
  const exchange = adapter.id
  const log = deps.log.child({ component: 'fetch-worker', queue: keys.fetchQueue(exchange) })
  let worker: Worker | undefined
  let connection: Redis | undefined
  const closedWindows = createClosedWindows()
  const now = deps.now ?? Date.now

  async function cache(record: NormalizedFetch): Promise<void> {
    try {
      await deps.publisher.publishNow([record])
    } catch (err) {
      log.warn({ err }, 'could not cache a fetched record')
    }
  }

  async function fetch(request: FetchRequest): Promise<FetchResult> {
    const ctx = deps.context()
    switch (request.kind) {
      case 'ohlc': {
        const closed = isClosedWindow(request, now())
        const id = fetchJobId(request)
        const known = closed ? closedWindows.get(id) : undefined
        if (known) return known
        const { symbol, interval, limit, start_time, end_time } = request
        const candles = await adapter.rest.candles(
          deps.rest,
          { symbol, interval, limit, start_time, end_time },
          ctx
        )
        if (closed) closedWindows.set(id, candles)
        return candles
      }
      case 'open_interest': {
        const record = await adapter.rest.openInterest(deps.rest, request.symbol, ctx)
        await cache({ kind: 'open_interest', record })
        return record
      }
      case 'funding_rate': {
        const record = await adapter.rest.fundingRate(deps.rest, request.symbol, ctx)
        await cache({ kind: 'funding_rate', record })
        return record
      }
      case 'oi_history': {
        // not an upstream failure: the monitor builds the window from its own snapshots
        if (!adapter.rest.openInterestHistory) {
          throw new UnrecoverableError(`${exchange} keeps no open interest history`)
        }
        const { symbol, timeframe, limit } = request
        return adapter.rest.openInterestHistory(deps.rest, { symbol, timeframe, limit }, ctx)
      }
    }
  }

  async function processJob(job: Job): Promise<FetchResult> {
    const parsed = FetchRequest.safeParse(job.data)
    if (!parsed.success) {
      metrics.fetchJobs.inc({ exchange, kind: 'unknown', outcome: 'invalid' })
      throw new UnrecoverableError(
        `invalid fetch request: ${parsed.error.issues[0]?.message ?? ''}`
      )
    }
    const kind = parsed.data.kind
    try {
      const result = await fetch(parsed.data)
      metrics.fetchJobs.inc({ exchange, kind, outcome: 'ok' })
      return result
    } catch (err) {
      metrics.fetchJobs.inc({
        exchange,
        kind,
        outcome: err instanceof BusyError ? 'busy' : 'error',
      })
      log.debug({ err, job_id: job.id }, 'fetch job failed')
      throw err
    }
  }

  function start(): void {
    if (worker) return
    connection = createRedis(deps.redisUrl, { blocking: true })
    connection.on('error', (err) => log.debug({ err }, 'fetch worker redis error'))
    worker = new Worker(keys.fetchQueue(exchange), processJob, {
      connection,
      prefix: keys.bullPrefix,
      concurrency: deps.concurrency ?? 4,
    })
    worker.on('error', (err) => log.warn({ err }, 'fetch worker error'))
  }

  return {
    start,
    async stop(): Promise<void> {
      await worker?.close()
      worker = undefined
      connection?.disconnect()
      connection = undefined
    },
    /**
     * A new worker on a new connection (Redis came back, maybe empty): jobs it held are gone
     * with the old Redis, and the gateway that waited on them has answered already.
     */
    async restart(): Promise<void> {
      const old = worker
      const oldConnection = connection
      worker = undefined
      connection = undefined
      start()
      if (!old) return
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        old.close(true).catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, 5_000))),
      ])
      clearTimeout(timer)
      oldConnection?.disconnect()
    },
  }
}

type NormalizedFetch =
  { kind: 'open_interest'; record: OpenInterest } | { kind: 'funding_rate'; record: FundingRate }
