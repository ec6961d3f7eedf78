import { EXCHANGE_IDS, INTERVALS, type ExchangeId, type Interval } from '@takashi/schemas'
import type { ExchangeAdapter } from '@takashi/exchanges'
import { ApiError, badParam } from './errors.ts'

/** What the gateway needs of an exchange adapter: capabilities and symbol/interval forms. */
export type ExchangeView = Pick<
  ExchangeAdapter,
  'id' | 'capabilities' | 'intervals' | 'toNative' | 'fromNative'
>

export type Capability = keyof ExchangeAdapter['capabilities']

/**
 * The markets this deployment serves: enabled exchanges, canonical symbols and the candle
 * intervals streamed live. Validates path and query values the same way for REST and WebSocket.
 */
export interface Catalog {
  exchanges: ReadonlyMap<ExchangeId, ExchangeView>
  symbols: ReadonlySet<string>
  /** intervals streamed and cached (OHLC_INTERVALS) */
  intervals: readonly Interval[]
}

export function createCatalog(options: {
  exchanges: readonly ExchangeView[]
  symbols: readonly string[]
  intervals: readonly Interval[]
}): Catalog {
  return {
    exchanges: new Map(options.exchanges.map((adapter) => [adapter.id, adapter])),
    symbols: new Set(options.symbols),
    intervals: options.intervals,
  }
}

export function resolveExchange(catalog: Catalog, name: string): ExchangeView {
  const adapter = (EXCHANGE_IDS as readonly string[]).includes(name)
    ? catalog.exchanges.get(name as ExchangeId)
    : undefined
  if (adapter) return adapter
  const served = [...catalog.exchanges.keys()].join(', ')
  throw new ApiError(404, 'unknown_exchange', `unknown exchange '${name}' (served: ${served})`)
}

/** A symbol in canonical or the exchange's native form → the canonical symbol. */
export function resolveSymbol(catalog: Catalog, adapter: ExchangeView, input: string): string {
  const candidates = [input, input.toUpperCase(), adapter.fromNative(input)]
  for (const symbol of candidates) {
    if (symbol && catalog.symbols.has(symbol) && adapter.toNative(symbol) !== null) return symbol
  }
  const served = [...catalog.symbols].join(', ')
  throw new ApiError(
    404,
    'unknown_symbol',
    `unknown symbol '${input}' on ${adapter.id} (served: ${served})`
  )
}

/** An interval the exchange has (REST: any of them; `live` WebSocket: the streamed ones). */
export function resolveInterval(
  catalog: Catalog,
  adapter: ExchangeView,
  input: string,
  live = false
): Interval {
  const has = adapter.intervals.filter((iv) => !live || catalog.intervals.includes(iv))
  if ((INTERVALS as readonly string[]).includes(input) && has.includes(input as Interval)) {
    return input as Interval
  }
  const what = live ? 'streamed' : 'served'
  throw badParam(
    'interval',
    `'${input}' is not ${what} for ${adapter.id}; use one of ${has.join(', ')}`
  )
}

export function requireCapability(adapter: ExchangeView, capability: Capability): void {
  if (adapter.capabilities[capability]) return
  const what = capability.replace('_', ' ')
  throw new ApiError(404, 'not_found', `${adapter.id} publishes no ${what} data`)
}
