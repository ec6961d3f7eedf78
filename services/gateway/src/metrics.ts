import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>

/** The streams of spec §5 (and multiplexed connections), the label values of the ws metrics. */
export const STREAM_KINDS = [
  'ohlc',
  'trades',
  'liquidations',
  'large-trades',
  'open-interest',
  'funding-rate',
  'oi-spikes',
  // a multiplexed /ws connection, whatever it subscribes to
  'mux',
] as const
export type StreamKind = (typeof STREAM_KINDS)[number]

export const CACHE_KINDS = ['ohlc', 'open_interest', 'funding_rate'] as const

/**
 * Answers of one route, status and cache result counted in plain numbers and added to the
 * prom-client metrics in one go: when the metrics are read, or every `BATCH` answers. A labelled
 * `inc` or `observe` hashes and checks its labels each call, which at tens of thousands of cached
 * answers a second is a large share of what one costs.
 */
export interface AnswerTally {
  /** One answer that took `seconds`. */
  add(seconds: number): void
}

const BATCH = 1_024

export function createGatewayMetrics(registry: Registry) {
  const registers = [registry]
  const tallies: (() => void)[] = []
  // prom-client calls this before it reads each of these metrics
  const collect = () => {
    for (const flush of tallies) flush()
  }
  const metrics = {
    httpRequests: new Counter({
      name: 'takashi_gateway_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['route', 'status'] as const,
      registers,
      collect,
    }),
    httpDuration: new Histogram({
      name: 'takashi_gateway_http_request_duration_seconds',
      help: 'HTTP request duration, by route pattern',
      labelNames: ['route'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
      collect,
    }),
    cacheRequests: new Counter({
      name: 'takashi_gateway_cache_requests_total',
      help: "REST reads answered from the replica's memory (memory), the Redis cache (hit) or by a fetch job (miss)",
      labelNames: ['kind', 'result'] as const,
      registers,
      collect,
    }),
    restMemoryBytes: new Gauge({
      name: 'takashi_gateway_rest_memory_bytes',
      help: 'Bytes of REST answers this replica keeps in memory (hot candle windows, latest values)',
      registers,
    }),
    wsClients: new Gauge({
      name: 'takashi_gateway_ws_clients',
      help: 'Connected WebSocket clients, by stream',
      labelNames: ['stream'] as const,
      registers,
    }),
    wsMessagesSent: new Counter({
      name: 'takashi_gateway_ws_messages_sent_total',
      help: 'Messages written to WebSocket clients, by stream',
      labelNames: ['stream'] as const,
      registers,
    }),
    wsSlowDisconnects: new Counter({
      name: 'takashi_gateway_ws_slow_disconnects_total',
      help: 'Clients closed with 1013 because they could not keep up',
      registers,
    }),
    rateLimited: new Counter({
      name: 'takashi_gateway_rate_limited_total',
      help: 'REST requests answered 429 because the client was over its per-minute limit',
      registers,
    }),
    redisResubscribes: new Counter({
      name: 'takashi_gateway_redis_resubscribes_total',
      help: 'Reconnects of the Redis subscriber (event streams then replay what it missed)',
      registers,
    }),
  }
  for (const stream of STREAM_KINDS) {
    metrics.wsClients.set({ stream }, 0)
    metrics.wsMessagesSent.inc({ stream }, 0)
  }
  for (const kind of CACHE_KINDS) {
    metrics.cacheRequests.inc({ kind, result: 'hit' }, 0)
    metrics.cacheRequests.inc({ kind, result: 'miss' }, 0)
    metrics.cacheRequests.inc({ kind, result: 'memory' }, 0)
  }

  // one tally per route, status and cache result: a handful in all
  const tallyOf = new Map<string, AnswerTally>()

  /** The tally of cached answers of `route` with `status`, found by `cache.result`. */
  function answerTally(
    route: string,
    status: number,
    cache: { kind: string; result: 'memory' | 'hit' }
  ): AnswerTally {
    const key = `${route} ${status} ${cache.kind} ${cache.result}`
    let tally = tallyOf.get(key)
    if (tally === undefined) tallyOf.set(key, (tally = newTally(route, status, cache)))
    return tally
  }

  function newTally(
    route: string,
    status: number,
    cache: { kind: string; result: 'memory' | 'hit' }
  ): AnswerTally {
    const durations = new Float64Array(BATCH)
    let count = 0
    const flush = () => {
      if (count === 0) return
      metrics.httpRequests.inc({ route, status: String(status) }, count)
      metrics.cacheRequests.inc(cache, count)
      for (let i = 0; i < count; i++) metrics.httpDuration.observe({ route }, durations[i] ?? 0)
      count = 0
    }
    tallies.push(flush)
    return {
      add(seconds) {
        durations[count++] = seconds
        if (count === BATCH) flush()
      },
    }
  }
  return { ...metrics, answerTally }
}
