import { afterEach, expect } from 'vitest'
import { Registry } from 'prom-client'
import { createRedis, type Keys, type Redis } from '@takashi/bus'
import { adapters, type ExchangeAdapter, type UrlEnv } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import { connectWs, metricValue } from '@takashi/testing'
import type { ExchangeId, Interval } from '@takashi/schemas'
import { createAggregatorMetrics, createFeedConsumer, createOiMonitor } from '@takashi/aggregator'
import { createGateway } from '@takashi/gateway'
import { createIngestor, type IngestorDeps } from '@takashi/ingestor'

// Shared parts of the end-to-end tests: every test's servers, sockets and loops are closed after it.

export const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

export const silent = (service: string) => createLogger({ service, level: 'silent' })

/** Closes `thing` (a fake venue, a client) after the test; returns it. */
export function closedAfter<T extends { close(): Promise<unknown> | void }>(thing: T): T {
  cleanups.push(() => thing.close())
  return thing
}

/** The registered adapter of `id` (the registry's entries are optional). */
export function adapterOf<Id extends keyof typeof adapters>(id: Id) {
  const adapter = adapters[id]
  if (!adapter) throw new Error(`no ${id} adapter`)
  return adapter
}

/** A WebSocket client's JSON messages, as they arrive (closed after the test). */
export async function listen(url: string) {
  return (await connectWs(url)).messages as Record<string, unknown>[]
}

/** GETs `url` and resolves its JSON body, typed as the caller expects it (the test checks it). */
export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T
}

/** Resolves once some gateway has subscribed the channel, so an event emitted now is heard. */
export async function subscribed(redis: Redis, channel: string) {
  await expect
    .poll(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1])
    .toBeGreaterThan(0)
}

/** The aggregator's feed consumer with the default floors. */
export async function startAggregator(redisUrl: string, keys: Keys) {
  const redis = createRedis(redisUrl, { blocking: true })
  const consumer = createFeedConsumer({
    redis,
    keys,
    floors: { largeTradeMinUsd: 100_000, liquidationMinUsd: 0 },
    log: silent('aggregator'),
    metrics: createAggregatorMetrics(new Registry()),
    blockMs: 100,
  })
  await consumer.start()
  cleanups.push(async () => {
    await consumer.stop()
    redis.disconnect()
  })
}

/** A gateway replica on a free port; resolves its HTTP and WebSocket base URLs. */
export async function startGatewayReplica(options: {
  redisUrl: string
  keys: Keys
  exchanges: ExchangeAdapter[]
  symbols: string[]
  intervals: Interval[]
}) {
  const gateway = createGateway({
    ...options,
    log: silent('gateway'),
    registry: new Registry(),
    fetchTimeoutMs: 5_000,
  })
  const port = await gateway.listen(0)
  cleanups.push(() => gateway.stop())
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` }
}

/**
 * An ingestor of `adapter` aimed at a fake venue's `urls`, the aggregator's feed consumer (unless
 * `aggregator` is false) and `replicas` gateways (default 1) serving `gatewaySymbols` (default the
 * ingestor's symbols) on one interval, 1m.
 */
export async function startVenueStack<E extends UrlEnv>(options: {
  redis: Redis
  redisUrl: string
  keys: Keys
  adapter: ExchangeAdapter<E>
  urls: IngestorDeps<E>['urls']
  symbols: string[]
  gatewaySymbols?: string[]
  timing?: IngestorDeps<E>['timing']
  aggregator?: boolean
  replicas?: number
}) {
  const { redis, redisUrl, keys, adapter, symbols } = options
  const ingestorRegistry = new Registry()
  const ingestor = createIngestor({
    adapter,
    urls: options.urls,
    symbols,
    intervals: ['1m'],
    redis,
    redisUrl,
    keys,
    log: silent('ingestor'),
    registry: ingestorRegistry,
    ...(options.timing && { timing: options.timing }),
  })
  await ingestor.start()
  cleanups.push(() => ingestor.stop())
  if (options.aggregator ?? true) await startAggregator(redisUrl, keys)
  const gateways = []
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    gateways.push(
      await startGatewayReplica({
        redisUrl,
        keys,
        exchanges: [adapter],
        symbols: options.gatewaySymbols ?? symbols,
        intervals: ['1m'],
      })
    )
  }
  return { ingestorRegistry, gateway: gateways[0]!, gateways }
}

/** Frames the ingestor counted as invalid (malformed or failing their schema). */
export const invalidFrames = (ingestorRegistry: Registry) =>
  metricValue(ingestorRegistry, 'takashi_ingestor_invalid_frames_total', { kind: 'invalid' })

/** The ingestor's reconnects, of one connection (`public`, `business`) when given. */
export const ingestorReconnects = (ingestorRegistry: Registry, connection?: string) =>
  metricValue(
    ingestorRegistry,
    'takashi_ingestor_reconnects_total',
    connection === undefined ? {} : { connection }
  )

/** The aggregator's OI monitor with its floor an hour away: a spike in a test is a record's own. */
export async function startOiMonitor(options: {
  redisUrl: string
  keys: Keys
  exchanges: ExchangeId[]
  symbols: string[]
  registry?: Registry
}) {
  const redis = createRedis(options.redisUrl)
  const monitor = createOiMonitor({
    redis,
    redisUrl: options.redisUrl,
    keys: options.keys,
    exchanges: options.exchanges,
    symbols: options.symbols,
    pollMs: 3_600_000,
    log: silent('aggregator'),
    metrics: createAggregatorMetrics(options.registry ?? new Registry()),
    fetchTimeoutMs: 5_000,
  })
  cleanups.push(async () => {
    await monitor.stop()
    redis.disconnect()
  })
  await monitor.start()
}

/**
 * The ingestor connection timing of the venue end-to-end tests: pings every 150 ms, a socket
 * whose pong is 1 s late is replaced (generous, so a loaded machine sees no reconnect the test
 * did not cause), quick backoff.
 */
export const E2E_CONNECTION = {
  heartbeatIntervalMs: 150,
  heartbeatTimeoutMs: 1_000,
  backoffBaseMs: 50,
  backoffMaxMs: 200,
}

/**
 * Waits until the venue has seen enough pings to outlast one pong deadline: a ping that went
 * unanswered before has then either cost its reconnect or been forgiven, so a reconnect counter
 * read afterwards stays still until the test acts.
 */
export async function pongDeadlinePassed(venue: { pingsReceived(): number }) {
  const needed =
    Math.ceil(E2E_CONNECTION.heartbeatTimeoutMs / E2E_CONNECTION.heartbeatIntervalMs) + 1
  const from = venue.pingsReceived()
  await expect.poll(() => venue.pingsReceived()).toBeGreaterThanOrEqual(from + needed)
}
