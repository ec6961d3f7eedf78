import { Queue, QueueEvents } from 'bullmq'
import {
  createRedis,
  fetchJobId,
  UPSTREAM_ERROR_PREFIX,
  type FetchRequest,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { ExchangeId } from '@takashi/schemas'
import type { Logger } from '@takashi/observability'
import { ApiError } from './errors.ts'

/** Hands cache misses to the exchange's ingestor as BullMQ fetch jobs and waits for the answer. */
export interface Upstream {
  /** The ingestor's records (OHLC[] or one record); throws ApiError 504 / 502. */
  fetch(exchange: ExchangeId, request: FetchRequest): Promise<unknown>
  close(): Promise<void>
}

interface ExchangeQueue {
  queue: Queue
  events: QueueEvents
  connections: Redis[]
}

export function createUpstream(deps: {
  redisUrl: string
  keys: Keys
  log: Logger
  timeoutMs: number
}): Upstream {
  const { keys, log, timeoutMs } = deps
  const queues = new Map<ExchangeId, Promise<ExchangeQueue>>()

  // Created on the first miss of each exchange, so an idle gateway holds no BullMQ connections.
  async function open(exchange: ExchangeId): Promise<ExchangeQueue> {
    const name = keys.fetchQueue(exchange)
    const queueConn = createRedis(deps.redisUrl)
    const eventsConn = createRedis(deps.redisUrl, { blocking: true })
    const queue = new Queue(name, { connection: queueConn, prefix: keys.bullPrefix })
    const events = new QueueEvents(name, { connection: eventsConn, prefix: keys.bullPrefix })
    const onError = (err: unknown) => log.warn({ err, queue: name }, 'fetch queue error')
    queue.on('error', onError)
    events.on('error', onError)
    queueConn.on('error', onError)
    eventsConn.on('error', onError)
    await events.waitUntilReady()
    return { queue, events, connections: [queueConn, eventsConn] }
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
      // Identical concurrent misses share the job id, so they share one upstream call.
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
          throw new ApiError(
            504,
            'upstream_timeout',
            `${exchange} did not answer within ${timeoutMs} ms`,
            { cause: err }
          )
        }
        const message = reason.startsWith(UPSTREAM_ERROR_PREFIX)
          ? reason.slice(UPSTREAM_ERROR_PREFIX.length).trim()
          : reason
        throw new ApiError(502, 'upstream_error', message, { cause: err })
      }
    },
    async close() {
      const entries = await Promise.allSettled(queues.values())
      queues.clear()
      for (const entry of entries) {
        if (entry.status !== 'fulfilled') continue
        await Promise.allSettled([entry.value.events.close(), entry.value.queue.close()])
        for (const conn of entry.value.connections) conn.disconnect()
      }
    },
  }
}
