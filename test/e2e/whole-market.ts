import { expect } from 'vitest'
import { Registry } from 'prom-client'
import { readUniverse, type Keys, type Redis } from '@takashi/bus'
import type { ExchangeAdapter, UrlEnv } from '@takashi/exchanges'
import { createIngestor, type IngestorDeps } from '@takashi/ingestor'
import { peakRequests } from '@takashi/fakes/listing'
import type { ExchangeId } from '@takashi/schemas'
import { cleanups, silent } from './helpers.ts'

// Parts of the whole-market tests: an ingestor with SYMBOLS=all against a fake venue listing
// hundreds of instruments, and readers of what it left in Redis.

/**
 * Connection timing: pings every second (Binance counts them with the subscribe requests
 * against 10 messages a second), quick reconnects, and no stale-stream cut: the fake venues
 * push nothing unless a test emits it.
 */
const CONNECTION = {
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 3_000,
  backoffBaseMs: 50,
  backoffMaxMs: 200,
  staleAfterMs: 600_000,
}

/** Waits of these tests: hundreds of streams are subscribed at the venues' own pace. */
export const SLOW = { timeout: 60_000 }

/**
 * The wait for a listing or delisting to reach the venue's sockets. The start-up backfill of
 * hundreds of series can spend a whole minute's REST budget (Bybit: ~1,190 of its 1,200), and
 * the instrument list is then read again only once the next budget window opens: up to a
 * minute, then the venue's subscribe pace, on a machine that may be busy.
 */
export const LISTING = { timeout: 120_000 }

/**
 * An ingestor serving `SYMBOLS=all` that reads the instrument list again every 300 ms (or
 * `universeEveryMs`). A request waits at most 3 s for REST budget, so the start-up backfill of
 * hundreds of series gives way quickly when a test stops.
 */
export async function startWholeMarketIngestor<E extends UrlEnv>(options: {
  redis: Redis
  redisUrl: string
  keys: Keys
  adapter: ExchangeAdapter<E>
  urls: IngestorDeps<E>['urls']
  intervals?: IngestorDeps<E>['intervals']
  connection?: Partial<typeof CONNECTION> & { subscribeSpacingMs?: number }
  universeEveryMs?: number
}): Promise<Registry> {
  const registry = new Registry()
  const ingestor = createIngestor({
    adapter: options.adapter,
    urls: options.urls,
    symbols: 'all',
    intervals: options.intervals ?? ['1m'],
    redis: options.redis,
    redisUrl: options.redisUrl,
    keys: options.keys,
    log: silent('ingestor'),
    registry,
    timing: {
      connection: { ...CONNECTION, ...options.connection },
      universeEveryMs: options.universeEveryMs ?? 300,
      rest: { maxWaitMs: 3_000 },
      backfillLimit: 2,
      heartbeatMs: 200,
    },
  })
  await ingestor.start()
  cleanups.push(() => ingestor.stop())
  return registry
}

/** The symbols of the exchange's universe in Redis (none while it has not been written). */
export async function universeOf(redis: Redis, keys: Keys, exchange: ExchangeId) {
  return (await readUniverse(redis, keys, exchange))?.symbols ?? []
}

/** Liquidations the ingestor appended to the aggregator's ingest stream, by symbol. */
export async function liquidationsBySymbol(redis: Redis, keys: Keys): Promise<Map<string, number>> {
  const entries = (await redis.xrange(keys.ingest('liquidations'), '-', '+')) as [
    string,
    string[],
  ][]
  const counts = new Map<string, number>()
  for (const [, fields] of entries) {
    const { symbol } = JSON.parse(fields[1] ?? '{}') as { symbol: string }
    counts.set(symbol, (counts.get(symbol) ?? 0) + 1)
  }
  return counts
}

/** Waits until every one of `symbols` has at least one liquidation in the ingest stream. */
export async function liquidationsArrived(redis: Redis, keys: Keys, symbols: readonly string[]) {
  await expect
    .poll(async () => {
      const counts = await liquidationsBySymbol(redis, keys)
      return symbols.filter((symbol) => !counts.has(symbol))
    }, SLOW)
    .toEqual([])
}

/** The busiest second of each socket's subscribe / unsubscribe requests. */
export function busiestSeconds(connections: readonly { requestTimes: number[] }[]): number[] {
  return connections.map((connection) => peakRequests(connection.requestTimes, 1_000))
}
