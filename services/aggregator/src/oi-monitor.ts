import { Queue, QueueEvents, Worker } from 'bullmq'
import {
  appendToFeed,
  createRedis,
  fetchJobId,
  readCandles,
  readHeartbeat,
  readLatest,
  type FetchRequest,
  type Keys,
  type Redis,
} from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import {
  INTERVAL_MS,
  SPIKE_TIMEFRAMES,
  type ExchangeId,
  type OISpike,
  type Ohlc,
  type OpenInterest,
  type SpikeTimeframe,
} from '@takashi/schemas'
import type { AggregatorMetrics } from './metrics.ts'
import { observeSeries, SPIKE_THRESHOLDS, WINDOW_SIZE, type Observation } from './oi-spike.ts'

const METRICS = ['open_interest', 'volume'] as const
type Metric = (typeof METRICS)[number]
const STATE_TTL_MS = 2 * 86_400_000

export interface OiMonitorDeps {
  redis: Redis
  redisUrl: string
  keys: Keys
  exchanges: readonly ExchangeId[]
  symbols: readonly string[]
  pollMs: number
  log: Logger
  metrics: AggregatorMetrics
  /** how long a history fetch from an ingestor may take */
  fetchTimeoutMs?: number
  now?: () => number
}

/**
 * The OI/volume spike monitor: a BullMQ job scheduler evaluates every series each poll, on
 * whichever aggregator worker takes the job. Windows live in Redis; observations are the open
 * interest level seen in each timeframe period and each closed candle's base volume.
 */
export function createOiMonitor(deps: OiMonitorDeps) {
  const { redis, keys, metrics } = deps
  const now = deps.now ?? Date.now
  const log = deps.log.child({ component: 'oi-monitor' })
  const connections: Redis[] = []
  const blocking = () => {
    const connection = createRedis(deps.redisUrl, { blocking: true })
    connection.on('error', (err) => log.debug({ err }, 'redis connection error'))
    connections.push(connection)
    return connection
  }
  const prefix = keys.bullPrefix
  const fetchQueues = new Map<ExchangeId, { queue: Queue; events: QueueEvents }>()
  let queue: Queue | undefined
  let worker: Worker | undefined

  function fetchQueue(exchange: ExchangeId) {
    let entry = fetchQueues.get(exchange)
    if (!entry) {
      const name = keys.fetchQueue(exchange)
      entry = {
        queue: new Queue(name, { connection: blocking(), prefix }),
        events: new QueueEvents(name, { connection: blocking(), prefix }),
      }
      fetchQueues.set(exchange, entry)
    }
    return entry
  }

  /** Asks the exchange's ingestor; resolves undefined when it cannot answer. */
  async function fetchFromIngestor<T>(
    exchange: ExchangeId,
    request: FetchRequest
  ): Promise<T | undefined> {
    const { queue: q, events } = fetchQueue(exchange)
    try {
      await events.waitUntilReady()
      const job = await q.add(request.kind, request, {
        jobId: fetchJobId(request),
        attempts: 1,
        removeOnComplete: { age: 5 },
        removeOnFail: { age: 5 },
      })
      return (await job.waitUntilFinished(events, deps.fetchTimeoutMs ?? 5_000)) as T
    } catch (err) {
      log.debug({ err, exchange, kind: request.kind }, 'history fetch failed')
      return undefined
    }
  }

  async function openInterestObservations(
    exchange: ExchangeId,
    symbol: string,
    timeframe: SpikeTimeframe,
    last: number | undefined
  ): Promise<Observation[]> {
    if (last === undefined) {
      // an empty window starts from the exchange's history, where it keeps one
      const history = await fetchFromIngestor<OpenInterest[]>(exchange, {
        kind: 'oi_history',
        symbol,
        timeframe,
        limit: WINDOW_SIZE + 1,
      })
      if (history && history.length > 0) {
        return history.map((record) => ({ time: record.timestamp, value: record.open_interest }))
      }
    }
    const latest = await readLatest(redis, keys, 'open-interest', exchange, symbol)
    if (latest === null) return []
    const record = JSON.parse(latest) as OpenInterest
    const step = INTERVAL_MS[timeframe]
    const period = Math.floor(record.timestamp / step) * step
    return last === undefined || period > last
      ? [{ time: period, value: record.open_interest }]
      : []
  }

  async function volumeObservations(
    exchange: ExchangeId,
    symbol: string,
    timeframe: SpikeTimeframe,
    last: number | undefined
  ): Promise<Observation[]> {
    const cached = await readCandles(
      redis,
      keys,
      { exchange, symbol, interval: timeframe },
      {
        limit: WINDOW_SIZE + 1,
        ...(last !== undefined && { start_time: last + 1 }),
      }
    )
    let candles = JSON.parse(cached.body) as Ohlc[]
    if (last === undefined && !cached.covered) {
      candles =
        (await fetchFromIngestor<Ohlc[]>(exchange, {
          kind: 'ohlc',
          symbol,
          interval: timeframe,
          limit: WINDOW_SIZE + 1,
        })) ?? candles
    }
    return candles
      .filter((candle) => candle.closed && (last === undefined || candle.timestamp > last))
      .map((candle) => ({ time: candle.timestamp, value: candle.volume }))
  }

  async function evaluateSeries(
    exchange: ExchangeId,
    symbol: string,
    timeframe: SpikeTimeframe,
    metric: Metric
  ): Promise<void> {
    const windowKey = keys.spikeWindow(exchange, symbol, timeframe, metric)
    const stateKey = keys.spikeState(exchange, symbol, timeframe, metric)
    const [windowText, state] = await Promise.all([
      redis.lrange(windowKey, 0, -1),
      redis.hgetall(stateKey),
    ])
    const last = state.last === undefined ? undefined : Number(state.last)
    const observations =
      metric === 'open_interest'
        ? await openInterestObservations(exchange, symbol, timeframe, last)
        : await volumeObservations(exchange, symbol, timeframe, last)
    metrics.detectorRuns.inc({ timeframe, metric })
    const newest = observations.at(-1)
    if (!newest) return
    const threshold = SPIKE_THRESHOLDS[timeframe]
    const result = observeSeries(
      { window: windowText.map(Number), armed: state.armed !== '0' },
      observations,
      threshold
    )
    const tx = redis.multi().del(windowKey)
    tx.rpush(windowKey, ...result.state.window.map(String)).pexpire(windowKey, STATE_TTL_MS)
    tx.hset(stateKey, { last: newest.time, armed: result.state.armed ? '1' : '0' }).pexpire(
      stateKey,
      STATE_TTL_MS
    )
    await tx.exec()
    for (const { observation, stats } of result.spikes) {
      const spike: Omit<OISpike, 'id'> = {
        exchange,
        symbol,
        timestamp: observation.time,
        received_at: now(),
        timeframe,
        metric,
        value: observation.value,
        mean: stats.mean,
        stdev: stats.stdev,
        z_score: stats.z,
        threshold,
      }
      const id = await appendToFeed(redis, keys, 'oi-spikes', {
        eventId: [exchange, symbol, timeframe, metric, observation.time].join(':'),
        exchange,
        symbol,
        body: JSON.stringify(spike),
      })
      if (id !== null) metrics.spikes.inc({ timeframe, metric })
    }
  }

  /** One evaluation of every series; a failing series never stops the others. */
  async function evaluate(): Promise<void> {
    for (const exchange of deps.exchanges) {
      // an exchange whose ingestor is not running has nothing to observe and no one to ask
      if ((await readHeartbeat(redis, keys, exchange)).aliveAt === null) continue
      for (const symbol of deps.symbols) {
        for (const timeframe of SPIKE_TIMEFRAMES) {
          for (const metric of METRICS) {
            try {
              await evaluateSeries(exchange, symbol, timeframe, metric)
            } catch (err) {
              log.warn({ err, exchange, symbol, timeframe, metric }, 'spike evaluation failed')
            }
          }
        }
      }
    }
  }

  return {
    evaluate,
    async start(): Promise<void> {
      queue = new Queue(keys.monitorQueue, { connection: blocking(), prefix })
      await queue.upsertJobScheduler(
        'oi-monitor',
        { every: deps.pollMs },
        { name: 'evaluate', opts: { removeOnComplete: 100, removeOnFail: 100 } }
      )
      worker = new Worker(keys.monitorQueue, () => evaluate(), {
        connection: blocking(),
        prefix,
        concurrency: 1,
      })
      worker.on('failed', () => metrics.jobFailures.inc({ queue: keys.monitorQueue }))
      worker.on('error', (err) => log.warn({ err }, 'monitor worker error'))
    },
    async stop(): Promise<void> {
      await worker?.close()
      await queue?.close()
      for (const { queue: q, events } of fetchQueues.values()) {
        await q.close()
        await events.close()
      }
      for (const connection of connections) connection.disconnect()
    },
  }
}
