import type { Feed } from '@takashi/bus'
import {
  SPIKE_TIMEFRAMES,
  type ExchangeId,
  type SpikeTimeframe,
  FEED_NAMES,
  capabilityOfSegment,
} from '@takashi/schemas'
import {
  requireCapability,
  resolveExchange,
  resolveSymbol,
  type Capability,
  servedText,
  type Catalog,
  type ExchangeView,
} from '../catalog.ts'
import { ApiError } from '../errors.ts'
import { enumText, listText, nonNegativeParam, queryParam } from '../params.ts'

// Which events of a shared feed a client asked for. The same rules serve REST and WebSocket.

/** The capability an exchange needs to have events in a feed. */
export const FEED_CAPABILITY = Object.fromEntries(
  FEED_NAMES.map((feed) => [feed, capabilityOfSegment(feed)])
) as Record<Feed, Capability>

export interface FeedScope {
  feed: Feed
  exchanges: readonly ExchangeId[]
  /**
   * The (exchange, symbol) pairs asked for that exist; undefined for a whole market
   * (`SYMBOLS=all`) with no symbol named: every symbol each exchange serves when the event comes.
   */
  pairs?: readonly (readonly [ExchangeId, string])[]
  min_value_usd?: number
  timeframe?: SpikeTimeframe
}

const LIST = listText()
const TIMEFRAME = enumText(SPIKE_TIMEFRAMES)

/** A comma list (`exchanges=binance,okx`), or undefined when absent. */
export const listParam = (query: Record<string, unknown>, name: string): string[] | undefined =>
  queryParam(query, name, LIST)

const timeframeParam = (query: Record<string, unknown>): SpikeTimeframe | undefined =>
  queryParam(query, 'timeframe', TIMEFRAME)

/** Named exchanges must serve the feed (404 otherwise); by default every one that does. */
function scopeExchanges(catalog: Catalog, feed: Feed, names?: string[]): ExchangeView[] {
  const capability = FEED_CAPABILITY[feed]
  if (names) {
    return names.map((name) => {
      const adapter = resolveExchange(catalog, name)
      requireCapability(adapter, capability)
      return adapter
    })
  }
  const serving = [...catalog.exchanges.values()].filter((a) => a.capabilities[capability])
  if (serving.length === 0) {
    throw new ApiError(404, 'not_found', `no served exchange publishes ${feed} data`)
  }
  return serving
}

/** A symbol in canonical form or the native form of any of `exchanges` → canonical. */
function scopeSymbol(catalog: Catalog, exchanges: readonly ExchangeView[], input: string): string {
  let firstError: unknown
  for (const adapter of exchanges) {
    try {
      return resolveSymbol(catalog, adapter, input)
    } catch (err) {
      firstError ??= err
    }
  }
  if (exchanges.length === 1) throw firstError
  const served = servedText(catalog.symbols)
  throw new ApiError(404, 'unknown_symbol', `unknown symbol '${input}' (served: ${served})`)
}

/**
 * Query → the events asked for. `names` says which query names carry the lists (WebSocket:
 * `exchanges`/`symbols`; REST: `exchange`/`symbol`, where a comma list works too).
 */
export function resolveFeedScope(
  catalog: Catalog,
  feed: Feed,
  query: Record<string, unknown>,
  names: { exchanges: string; symbols: string }
): FeedScope {
  const exchanges = scopeExchanges(catalog, feed, listParam(query, names.exchanges))
  const symbolNames = listParam(query, names.symbols)
  const scope: FeedScope = { feed, exchanges: exchanges.map((a) => a.id) }
  // a whole market with no symbol named follows listings: its pairs are decided per event
  if (symbolNames || !catalog.wholeMarket) {
    const symbols = symbolNames
      ? [...new Set(symbolNames.map((name) => scopeSymbol(catalog, exchanges, name)))]
      : undefined
    scope.pairs = exchanges.flatMap((adapter) => {
      const served = catalog.symbolsOf(adapter.id)
      return (symbols ?? [...served])
        .filter((symbol) => served.has(symbol))
        .map((symbol) => [adapter.id, symbol] as const)
    })
  }
  if (feed === 'oi-spikes') {
    const timeframe = timeframeParam(query)
    if (timeframe) scope.timeframe = timeframe
  } else {
    const min = nonNegativeParam(query, 'min_value_usd')
    if (min !== undefined && min > 0) scope.min_value_usd = min
  }
  return scope
}

type FeedFields = { value_usd?: unknown; timeframe?: unknown; exchange?: unknown; symbol?: unknown }

/**
 * The part of the scope a live channel does not already select (value floor, timeframe), or
 * undefined when every message of the channels is wanted.
 */
export function valueMatcher(scope: FeedScope): ((record: unknown) => boolean) | undefined {
  const { min_value_usd: min, timeframe } = scope
  if (min === undefined && timeframe === undefined) return undefined
  return (record) => {
    const fields = record as FeedFields | null
    if (min !== undefined) {
      const value = fields?.value_usd
      if (typeof value !== 'number' || value < min) return false
    }
    return timeframe === undefined || fields?.timeframe === timeframe
  }
}

/** Whether a record's exchange and symbol are in the scope (served now, when none was named). */
function pairMatcher(
  scope: FeedScope,
  catalog: Catalog
): (exchange: string, symbol: string) => boolean {
  if (scope.pairs) {
    const pairs = new Set(scope.pairs.map(([exchange, symbol]) => `${exchange}:${symbol}`))
    return (exchange, symbol) => pairs.has(`${exchange}:${symbol}`)
  }
  const exchanges = new Set<string>(scope.exchanges)
  return (exchange, symbol) =>
    exchanges.has(exchange) && catalog.symbolsOf(exchange as ExchangeId).has(symbol)
}

/** The whole scope, for records read from the shared feed (history, REST, feed-wide channel). */
export function scopeMatcher(scope: FeedScope, catalog: Catalog): (record: unknown) => boolean {
  const inScope = pairMatcher(scope, catalog)
  const value = valueMatcher(scope)
  return (record) => {
    const fields = record as FeedFields | null
    if (typeof fields?.exchange !== 'string' || typeof fields.symbol !== 'string') return false
    if (!inScope(fields.exchange, fields.symbol)) return false
    return value === undefined || value(record)
  }
}
