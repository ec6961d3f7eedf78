import { Queue, QueueEvents } from 'bullmq'
import type { ExchangeId } from '@takashi/schemas'
import {
  fetchJobId,
  readBusyFailure,
  readUpstreamFailure,
  type FetchRequest,
} from './fetch-jobs.ts'
import type { Keys } from './keys.ts'
import { createRedis, type Redis } from './redis.ts'

/** Why a fetch job brought no records back. */
export type FetchFailure =
  /** no ingestor answered in time; the job was removed */
  | 'timeout'
  /** the exchange failed the call, or the answer was lost on the way back */
  | 'upstream'
  /** the ingestor refused the request (bad job data, a history the exchange does not keep) */
  | 'invalid'
  /** the exchange's budget for client requests is spent (or it paused us): ask again later */
  | 'busy'

/** A fetch job that ended without records; `message` is the reason, without any prefix. */
export class FetchJobError extends Error {
  override readonly name = 'FetchJobError'

  constructor(
    readonly kind: FetchFailure,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number }
  ) {
    super(message, options)
    this.retryAfterMs = options?.retryAfterMs
  }

  /** `busy`: when the request may be sent again */
  readonly retryAfterMs: number | undefined
}

/** Logger methods the client uses (a pino logger fits). */
interface FetchClientLog {
  warn(fields: object, message: string): void
}

/** Hands requests to the exchanges' ingestors as BullMQ fetch jobs and waits for the answer. */
export interface FetchClient {
  /**
   * The ingestor's records (OHLC[] oldest first, OpenInterest[] or one record). Rejects with a
   * FetchJobError when the job ends without them; Redis errors while enqueueing pass through.
   */
  fetch(exchange: ExchangeId, request: FetchRequest): Promise<unknown>
  close(): Promise<void>
}

interface ExchangeQueue {
  queue: Queue
  events: QueueEvents
  connections: Redis[]
}

export function createFetchClient(deps: {
  redisUrl: string
  keys: Keys
  log: FetchClientLog
  timeoutMs: number
}): FetchClient {
  const { keys, log, timeoutMs } = deps
  const queues = new Map<ExchangeId, Promise<ExchangeQueue>>()
  // kept apart from `queues` so close() need not wait for a Redis that is not there
  const opened: ExchangeQueue[] = []
  let closed = false

  // Created on the first request to each exchange, so an idle client holds no connections.
  async function open(exchange: ExchangeId): Promise<ExchangeQueue> {
    const name = keys.fetchQueue(exchange)
    const queueConn = createRedis(deps.redisUrl)
    const eventsConn = createRedis(deps.redisUrl, { blocking: true })
    const queue = new Queue(name, { connection: queueConn, prefix: keys.bullPrefix })
    const events = new QueueEvents(name, { connection: eventsConn, prefix: keys.bullPrefix })
    // every waiting fetch listens for its job's end; a seeding monitor waits on many at once
    queue.setMaxListeners(0)
    events.setMaxListeners(0)
    const onError = (err: unknown) => log.warn({ err, queue: name }, 'fetch queue error')
    queue.on('error', onError)
    events.on('error', onError)
    queueConn.on('error', onError)
    eventsConn.on('error', onError)
    const entry = { queue, events, connections: [queueConn, eventsConn] }
    opened.push(entry)
    await events.waitUntilReady()
    return entry
  }

  function queueOf(exchange: ExchangeId): Promise<ExchangeQueue> {
    let entry = queues.get(exchange)
    if (!entry) {
      entry = open(exchange)
      queues.set(exchange, entry)
      entry.catch(() => queues.delete(exchange))
    }
    return entry
  }

  return {
    async fetch(exchange, request) {
      const { queue, events } = await queueOf(exchange)
      const jobId = fetchJobId(request)
      // Identical concurrent requests share the job id, so they share one upstream call.
      const job = await queue.add(request.kind, request, {
        jobId,
        attempts: 1,
        removeOnComplete: { age: 5 },
        removeOnFail: { age: 5 },
      })
      try {
        return (await job.waitUntilFinished(events, timeoutMs)) as unknown
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        if (/timed out before finishing/.test(reason)) {
          // Nobody took it: drop it so jobs do not pile up while no ingestor runs.
          await queue.remove(jobId).catch(() => 0)
          log.warn({ queue: queue.name, job_id: jobId }, 'fetch job timed out')
          const message = `${exchange} did not answer within ${timeoutMs} ms`
          throw new FetchJobError('timeout', message, { cause: err })
        }
        const busyMs = readBusyFailure(reason)
        if (busyMs !== undefined) {
          const message = `${exchange} has no request budget left for clients now`
          throw new FetchJobError('busy', message, { cause: err, retryAfterMs: busyMs })
        }
        const upstream = readUpstreamFailure(reason)
        if (upstream !== undefined) throw new FetchJobError('upstream', upstream, { cause: err })
        const refused = !closed && (await job.isFailed().catch(() => false))
        throw new FetchJobError(refused ? 'invalid' : 'upstream', reason, { cause: err })
      }
    },
    async close() {
      closed = true
      queues.clear()
      for (const entry of opened.splice(0)) {
        await Promise.allSettled([entry.events.close(), entry.queue.close()])
        for (const conn of entry.connections) conn.disconnect()
      }
    },
  }
}
