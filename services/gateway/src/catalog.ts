import { EXCHANGE_IDS, INTERVALS, type ExchangeId, type Interval } from '@takashi/schemas'
import type { SymbolsSetting } from '@takashi/config'
import type { ExchangeAdapter } from '@takashi/exchanges'
import { ApiError, badParam } from './errors.ts'

/** What the gateway needs of an exchange adapter: capabilities and symbol/interval forms. */
export type ExchangeView = Pick<
  ExchangeAdapter,
  'id' | 'capabilities' | 'intervals' | 'toNative' | 'fromNative'
>

export type Capability = keyof ExchangeAdapter['capabilities']

/**
 * The markets this deployment serves: enabled exchanges, the symbols each serves now and the
 * candle intervals streamed live. Validates path and query values the same way for REST and
 * WebSocket.
 *
 * With a `SYMBOLS` list every listed symbol is served on each exchange whose adapter can name it
 * (as before the whole-market mode). With `SYMBOLS=all` an exchange serves the symbols its
 * ingestor's universe names, following it as it changes (`setUniverse`); none until one is known.
 */
export interface Catalog {
  exchanges: ReadonlyMap<ExchangeId, ExchangeView>
  /** every symbol served on at least one exchange */
  readonly symbols: ReadonlySet<string>
  /** the symbols the exchange serves now */
  symbolsOf(exchange: ExchangeId): ReadonlySet<string>
  /** true with `SYMBOLS=all`: the served symbols follow the universes */
  readonly wholeMarket: boolean
  /** grows at each change of the symbols served, so what was derived from them can be redone */
  readonly version: number
  /** intervals streamed and cached (OHLC_INTERVALS) */
  intervals: readonly Interval[]
}

export interface MutableCatalog extends Catalog {
  /** The symbols an exchange's ingestor says it serves (used with `SYMBOLS=all`). */
  setUniverse(exchange: ExchangeId, symbols: ReadonlySet<string>): void
}

const NONE: ReadonlySet<string> = new Set()

export function createCatalog(options: {
  exchanges: readonly ExchangeView[]
  symbols: SymbolsSetting | readonly string[]
  intervals: readonly Interval[]
}): MutableCatalog {
  const exchanges = new Map(options.exchanges.map((adapter) => [adapter.id, adapter]))
  const wholeMarket = options.symbols === 'all'
  const served = new Map<ExchangeId, ReadonlySet<string>>()
  let union: ReadonlySet<string> = NONE
  let version = 0
  const recount = () => {
    union = new Set([...served.values()].flatMap((symbols) => [...symbols]))
    version++
  }
  if (options.symbols !== 'all') {
    const listed = options.symbols
    for (const adapter of exchanges.values()) {
      served.set(adapter.id, new Set(listed.filter((symbol) => adapter.toNative(symbol) !== null)))
    }
    // the list is served as given, also where no adapter names a symbol (a 404 per exchange)
    union = new Set(listed)
  }
  return {
    exchanges,
    get symbols() {
      return union
    },
    symbolsOf: (exchange) => served.get(exchange) ?? NONE,
    wholeMarket,
    get version() {
      return version
    },
    intervals: options.intervals,
    setUniverse(exchange, symbols) {
      if (!wholeMarket) return
      const adapter = exchanges.get(exchange)
      if (!adapter) return
      served.set(exchange, new Set([...symbols].filter((s) => adapter.toNative(s) !== null)))
      recount()
    },
  }
}

/** Names a few of `symbols` for an error message: a whole market is too long to list. */
export function servedText(symbols: ReadonlySet<string>): string {
  if (symbols.size === 0) return 'none yet'
  const shown = [...symbols].slice(0, 10).join(', ')
  return symbols.size > 10 ? `${shown} and ${symbols.size - 10} more` : shown
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
  const served = catalog.symbolsOf(adapter.id)
  for (const symbol of candidates) {
    if (symbol && served.has(symbol)) return symbol
  }
  // with a list, a listed symbol the adapter cannot name is still reported against the list
  const shown = catalog.wholeMarket ? served : catalog.symbols
  throw new ApiError(
    404,
    'unknown_symbol',
    `unknown symbol '${input}' on ${adapter.id} (served: ${servedText(shown)})`
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
