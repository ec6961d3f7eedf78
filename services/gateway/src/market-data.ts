import { segmentOf } from '@takashi/schemas'
import { readCandles, readLatest } from '@takashi/bus'
import type { Interval } from '@takashi/schemas'
import type { AppDeps } from './deps.ts'
import { waitForRedis } from './backbone.ts'
import type { ExchangeView } from './catalog.ts'
import { backboneDown } from './errors.ts'

/** JSON text exactly as cached (sent as is), or records an ingestor fetched. */
export type MarketAnswer = { text: string } | { value: unknown }

export interface CandleWindow {
  limit: number
  start_time?: number | undefined
  end_time?: number | undefined
}

export async function ensureBackbone(deps: Pick<AppDeps, 'redis'>): Promise<void> {
  if (!(await waitForRedis(deps.redis))) throw backboneDown()
}

/** Candles of one series: the cache when it covers the window, else the exchange's ingestor. */
export async function candlesOf(
  deps: AppDeps,
  adapter: ExchangeView,
  symbol: string,
  interval: Interval,
  window: CandleWindow
): Promise<MarketAnswer> {
  const { redis, keys, metrics, upstream } = deps
  const cached = await readCandles(redis, keys, { exchange: adapter.id, symbol, interval }, window)
  if (cached.covered) {
    metrics.cacheRequests.inc({ kind: 'ohlc', result: 'hit' })
    return { text: cached.body }
  }
  metrics.cacheRequests.inc({ kind: 'ohlc', result: 'miss' })
  return { value: await upstream.fetch(adapter.id, { kind: 'ohlc', symbol, interval, ...window }) }
}

/** The latest open interest or funding: the cache, else the exchange's ingestor. */
export async function latestOf(
  deps: AppDeps,
  adapter: ExchangeView,
  kind: 'open_interest' | 'funding_rate',
  symbol: string
): Promise<MarketAnswer> {
  const { redis, keys, metrics, upstream } = deps
  const cached = await readLatest(redis, keys, segmentOf(kind), adapter.id, symbol)
  if (cached !== null) {
    metrics.cacheRequests.inc({ kind, result: 'hit' })
    return { text: cached }
  }
  metrics.cacheRequests.inc({ kind, result: 'miss' })
  return { value: await upstream.fetch(adapter.id, { kind, symbol }) }
}

export function parsed(answer: MarketAnswer): unknown {
  return 'text' in answer ? (JSON.parse(answer.text) as unknown) : answer.value
}
