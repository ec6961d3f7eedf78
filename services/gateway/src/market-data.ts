import { readCandles, readLatest } from '@takashi/bus'
import { segmentOf, type Interval } from '@takashi/schemas'
import type { AppDeps } from './deps.ts'
import { waitForRedis } from './backbone.ts'
import type { ExchangeView } from './catalog.ts'
import { backboneDown } from './errors.ts'
import { prepare, type Prepared } from './prepared.ts'

/** An answer ready to send: the cached JSON text exactly as stored, or what an ingestor fetched. */
export type MarketAnswer = Prepared

export interface CandleWindow {
  limit: number
  start_time?: number | undefined
  end_time?: number | undefined
}

/** Memory keys of the hot answers (the fast path peeks with the same ones). */
export const memoryKey = {
  candles: (exchange: string, symbol: string, interval: Interval, limit: number) =>
    `ohlc|${exchange}|${symbol}|${interval}|${limit}`,
  latest: (kind: 'open_interest' | 'funding_rate', exchange: string, symbol: string) =>
    `${kind}|${exchange}|${symbol}`,
}

export async function ensureBackbone(deps: Pick<AppDeps, 'redis'>): Promise<void> {
  if (!(await waitForRedis(deps.redis))) throw backboneDown()
}

/**
 * Candles of one series: the cache when it covers the window, else the exchange's ingestor. The
 * latest window (no start or end) is what dashboards poll: it is kept in memory while it holds.
 */
export async function candlesOf(
  deps: AppDeps,
  adapter: ExchangeView,
  symbol: string,
  interval: Interval,
  window: CandleWindow,
  /** the client's exchange-bound cost, taken before a cache miss asks the exchange */
  charge?: () => Promise<void>
): Promise<MarketAnswer> {
  const { redis, keys, metrics, upstream, hotCache } = deps
  const series = { exchange: adapter.id, symbol, interval }
  const load = async () => {
    const cached = await readCandles(redis, keys, series, window)
    return { text: cached.body, keep: cached.covered }
  }
  const latestWindow = window.start_time === undefined && window.end_time === undefined
  let read: { answer: Prepared; fromMemory: boolean; keep: boolean }
  if (latestWindow && hotCache) {
    const key = memoryKey.candles(adapter.id, symbol, interval, window.limit)
    const channel = keys.ohlcChannel(adapter.id, symbol, interval)
    const { answer, fromMemory, kept } = await hotCache.read(key, channel, load)
    read = { answer, fromMemory, keep: kept }
  } else {
    const { text, keep } = await load()
    read = { answer: prepare(text), fromMemory: false, keep }
  }
  if (read.keep) {
    metrics.cacheRequests.inc({ kind: 'ohlc', result: read.fromMemory ? 'memory' : 'hit' })
    return read.answer
  }
  metrics.cacheRequests.inc({ kind: 'ohlc', result: 'miss' })
  const request = { kind: 'ohlc', symbol, interval, ...window } as const
  const fetched = await upstream.fetch(adapter.id, request, charge)
  return prepare(JSON.stringify(fetched))
}

/** The latest open interest or funding: memory, the cache, else the exchange's ingestor. */
export async function latestOf(
  deps: AppDeps,
  adapter: ExchangeView,
  kind: 'open_interest' | 'funding_rate',
  symbol: string,
  charge?: () => Promise<void>
): Promise<MarketAnswer> {
  const { redis, keys, metrics, upstream, hotCache } = deps
  const segment = segmentOf(kind)
  const load = async () => {
    const text = await readLatest(redis, keys, segment, adapter.id, symbol)
    return { text: text ?? '', keep: text !== null }
  }
  const read = hotCache
    ? await hotCache.read(
        memoryKey.latest(kind, adapter.id, symbol),
        keys.liveChannel(segment, adapter.id, symbol),
        load
      )
    : await load().then(({ text, keep }) => ({
        answer: prepare(text),
        fromMemory: false,
        kept: keep,
      }))
  if (read.kept) {
    metrics.cacheRequests.inc({ kind, result: read.fromMemory ? 'memory' : 'hit' })
    return read.answer
  }
  metrics.cacheRequests.inc({ kind, result: 'miss' })
  return prepare(JSON.stringify(await upstream.fetch(adapter.id, { kind, symbol }, charge)))
}

/** The records of an answer, for the routes that combine several. */
export function parsed(answer: MarketAnswer): unknown {
  return JSON.parse(answer.payload.toString()) as unknown
}
