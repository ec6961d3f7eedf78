import { Queue, Worker } from 'bullmq'
import { createRedis, createUniverseFollower, type Keys, type Redis } from '@takashi/bus'
import type { SymbolsSetting } from '@takashi/config'
import type { Logger } from '@takashi/observability'
import { SPIKE_TIMEFRAMES, type ExchangeId } from '@takashi/schemas'
import type { AggregatorMetrics } from './metrics.ts'
import { createSpikeEvaluator } from './spike-evaluator.ts'
import { createSpikeHistory } from './spike-history.ts'
import { SPIKE_METRICS, type Series } from './spike-store.ts'

export interface OiMonitorDeps {
  redis: Redis
  redisUrl: string
  keys: Keys
  exchanges: readonly ExchangeId[]
  /** a list, or `all`: the symbols each exchange's ingestor serves (its universe), followed */
  symbols: SymbolsSetting | readonly string[]
  /** how often the universes are re-read besides their change messages; default 30 s */
  universeRefreshMs?: number
  pollMs: number
  log: Logger
  metrics: AggregatorMetrics
  /** how long a history fetch from an ingestor may take */
  fetchTimeoutMs?: number
  /** history fetches per exchange for seeding windows; default HISTORY_FETCH_RATE */
  historyFetchRate?: { burst: number; perSecond: number }
  now?: () => number
}

type Pair = { exchange: ExchangeId; symbol: string }

/** The six series (timeframe × metric) of one exchange and symbol. */
function seriesOf(pairs: readonly Pair[]): Series[] {
  return pairs.flatMap((pair) =>
    SPIKE_TIMEFRAMES.flatMap((timeframe) =>
      SPIKE_METRICS.map((metric) => ({ ...pair, timeframe, metric }))
    )
  )
}

/**
 * The OI/volume spike monitor. Each open-interest record an ingestor publishes triggers an
 * evaluation of its exchange and symbol at once; a BullMQ job scheduler evaluates every series
 * each `pollMs` on one of the workers as the floor. Windows and states live in Redis, so any
 * number of workers may run; writes are compare-and-set and spikes deduplicated by event.
 */
export function createOiMonitor(deps: OiMonitorDeps) {
  const { redis, keys, metrics } = deps
  const log = deps.log.child({ component: 'oi-monitor' })
  const history = createSpikeHistory({
    redis,
    redisUrl: deps.redisUrl,
    keys,
    log,
    fetchTimeoutMs: deps.fetchTimeoutMs ?? 5_000,
    ...(deps.historyFetchRate && { fetchRate: deps.historyFetchRate }),
  })
  const evaluator = createSpikeEvaluator({
    redis,
    keys,
    history,
    log,
    metrics,
    now: deps.now ?? Date.now,
  })
  // The pairs judged, by their open-interest channel. With a list they are fixed; with `all`
  // each exchange's follow its universe: a listing starts being judged at the next record or
  // evaluation (seeded first), a delisted symbol is no longer judged and its state expires.
  const byChannel = new Map<string, Pair>()
  const pending = new Map<string, Pair>()
  const channelOf = (p: Pair) => keys.liveChannel('open-interest', p.exchange, p.symbol)
  const listed = deps.symbols
  for (const exchange of deps.exchanges) {
    if (listed === 'all') {
      metrics.judgedSymbols.set({ exchange }, 0)
      continue
    }
    for (const symbol of listed)
      byChannel.set(channelOf({ exchange, symbol }), { exchange, symbol })
    metrics.judgedSymbols.set({ exchange }, listed.length)
  }
  const universes =
    listed === 'all'
      ? createUniverseFollower({
          redis,
          redisUrl: deps.redisUrl,
          keys,
          exchanges: deps.exchanges,
          refreshMs: deps.universeRefreshMs,
          onChange: (exchange, symbols) => follow(exchange, symbols),
          onError: (err) => log.debug({ err }, 'universe read failed'),
        })
      : null

  /** An exchange's symbols changed: judge the new ones, stop judging the delisted ones. */
  function follow(exchange: ExchangeId, symbols: ReadonlySet<string>): void {
    const added: string[] = []
    const removed: string[] = []
    for (const [channel, pair] of byChannel) {
      if (pair.exchange === exchange && !symbols.has(pair.symbol)) {
        byChannel.delete(channel)
        pending.delete(channel)
        removed.push(channel)
      }
    }
    for (const symbol of symbols) {
      const pair = { exchange, symbol }
      const channel = channelOf(pair)
      if (byChannel.has(channel)) continue
      byChannel.set(channel, pair)
      added.push(channel)
    }
    metrics.judgedSymbols.set({ exchange }, symbols.size)
    log.info(
      { exchange, symbols: symbols.size, added: added.length, removed: removed.length },
      'symbols judged changed'
    )
    const connection = subscriber
    if (!connection) return
    subscriberReady(connection)
      .then(async () => {
        if (added.length > 0) await connection.subscribe(...added)
        if (removed.length > 0) await connection.unsubscribe(...removed)
      })
      .catch(subscribeFailed)
  }
  const subscribeFailed = (err: unknown) => log.warn({ err }, 'open-interest subscription failed')

  let queue: Queue | undefined
  let worker: Worker | undefined
  let subscriber: Redis | undefined
  let stopped = false

  /** Every series of the exchanges whose ingestor is running (the others have nothing new). */
  async function evaluate(): Promise<void> {
    const started = performance.now()
    const pipeline = redis.pipeline()
    for (const exchange of deps.exchanges) pipeline.hexists(keys.heartbeat(exchange), '@alive')
    const alive = ((await pipeline.exec()) ?? []).map(([, found]) => found === 1)
    const live = new Set(deps.exchanges.filter((_, i) => alive[i]))
    const pairs = [...byChannel.values()].filter((p) => live.has(p.exchange))
    await evaluator.evaluate(seriesOf(pairs))
    // the job lasts until its seeds are done, so scheduled runs do not pile up behind fetches
    await evaluator.seeded()
    metrics.evaluationSeconds.observe((performance.now() - started) / 1_000)
  }

  // Records arriving while an evaluation runs are batched into the next one.
  let draining: Promise<void> | undefined
  function onOpenInterest(channel: string): void {
    const pair = byChannel.get(channel)
    if (!pair || stopped) return
    pending.set(channel, pair)
    draining ??= drain().finally(() => (draining = undefined))
  }
  async function drain(): Promise<void> {
    while (pending.size > 0 && !stopped) {
      const batch = [...pending.values()]
      pending.clear()
      try {
        await evaluator.evaluate(seriesOf(batch))
      } catch (err) {
        log.warn({ err }, 'spike evaluation failed')
      }
    }
  }

  // A record published while the subscription was cut (CLIENT KILL, a reconnection) came with
  // no message. Once subscribed again, every pair is judged from its latest record as if it had
  // just arrived; judging one that did not change writes and publishes nothing.
  async function resubscribed(): Promise<void> {
    if (byChannel.size > 0) await subscriber?.subscribe(...byChannel.keys())
    for (const channel of byChannel.keys()) onOpenInterest(channel)
  }

  /** Creates what is missing: the job scheduler, its worker, the open-interest subscription. */
  async function setup(): Promise<void> {
    const prefix = keys.bullPrefix
    if (!queue) {
      const connection = blocking()
      queue = new Queue(keys.monitorQueue, { connection, prefix })
      // Redis may come back empty (no persistence, a failover): the scheduler is re-created on
      // every reconnection, or no scheduled evaluation would ever run again
      let connected = false
      connection.on('ready', () => {
        if (connected && !stopped) {
          upsertScheduler().catch((err: unknown) => log.warn({ err }, 'scheduler not re-created'))
        }
        connected = true
      })
    }
    await upsertScheduler()
    if (!worker) {
      worker = new Worker(keys.monitorQueue, () => evaluate(), {
        connection: blocking(),
        prefix,
        concurrency: 1,
      })
      worker.on('failed', () => metrics.jobFailures.inc({ queue: keys.monitorQueue }))
      worker.on('error', (err) => log.warn({ err }, 'monitor worker error'))
    }
    if (!subscriber) {
      subscriber = blocking()
      subscriber.on('message', (channel: string) => onOpenInterest(channel))
      let connected = false
      subscriber.on('ready', () => {
        if (connected && !stopped) resubscribed().catch(subscribeFailed)
        connected = true
      })
    }
    // the universes are known before subscribing; later changes subscribe as they come
    await universes?.start()
    await subscriberReady(subscriber)
    if (byChannel.size > 0) await subscriber.subscribe(...byChannel.keys())
  }

  // A SUBSCRIBE sent before the ready check answered puts the connection in subscriber mode, so
  // the check fails and ioredis reconnects without the channels: subscribe once ready only.
  function subscriberReady(connection: Redis): Promise<void> {
    if (connection.status === 'ready') return Promise.resolve()
    return new Promise((resolve) => connection.once('ready', () => resolve()))
  }

  async function upsertScheduler(): Promise<void> {
    await queue?.upsertJobScheduler(
      'oi-monitor',
      { every: deps.pollMs },
      { name: 'evaluate', opts: { removeOnComplete: 100, removeOnFail: 100 } }
    )
  }

  const connections: Redis[] = []
  function blocking(): Redis {
    const connection = createRedis(deps.redisUrl, { blocking: true })
    connection.on('error', (err) => log.debug({ err }, 'redis connection error'))
    connections.push(connection)
    return connection
  }

  return {
    evaluate,
    setup,
    start: setup,
    async stop(): Promise<void> {
      stopped = true
      universes?.stop()
      subscriber?.disconnect()
      await worker?.close()
      await queue?.close()
      await draining
      await evaluator.seeded()
      await history.stop()
      for (const connection of connections) connection.disconnect()
    },
  }
}
