import type { MarketInfo } from '@takashi/exchanges'

/** `SYMBOLS` as the ingestor takes it: a list, or every USDT perpetual the venue lists. */
export type SymbolsChoice = readonly string[] | 'all'

/** The symbols to serve, and those left out with the reason. */
export interface Universe {
  /** canonical symbols, in `SYMBOLS` order for a list, sorted for `all` */
  symbols: string[]
  /** asked for in `SYMBOLS` but not trading on the venue */
  unlisted: string[]
  /** live perpetuals with no canonical name, or none the adapter can subscribe */
  unrepresentable: string[]
}

// takashi's `all` is the USDT-margined linear perpetuals (spec §2); Binance also lists USDC ones
const USDT_LINEAR = /USDT$/

/** Pure: the universe a `SYMBOLS` setting gives against the venue's instrument list. */
export function chooseUniverse(
  choice: SymbolsChoice,
  info: Pick<MarketInfo, 'symbols' | 'unrepresentable'>,
  toNative: (symbol: string) => string | null
): Universe {
  if (choice !== 'all') {
    return {
      symbols: choice.filter((symbol) => info.symbols.has(symbol)),
      unlisted: choice.filter((symbol) => !info.symbols.has(symbol)),
      unrepresentable: [],
    }
  }
  const symbols: string[] = []
  const unrepresentable = [...(info.unrepresentable ?? [])]
  for (const symbol of info.symbols) {
    if (!USDT_LINEAR.test(symbol)) continue
    if (toNative(symbol) === null) unrepresentable.push(symbol)
    else symbols.push(symbol)
  }
  return { symbols: symbols.sort(), unlisted: [], unrepresentable: unrepresentable.sort() }
}

/** Whether two universes serve the same symbols. */
export function sameSymbols(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((symbol) => set.has(symbol))
}
