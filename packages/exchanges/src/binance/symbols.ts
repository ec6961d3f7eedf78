import { INTERVALS, type Interval } from '@takashi/schemas'

// USD-M perpetuals are plain BTCUSDT / BTCUSDC; delivery contracts carry a date suffix (BTCUSDT_250328).
const PERPETUAL = /^[A-Z0-9]+USD[TC]$/

/** Canonical symbol → Binance symbol; null when it cannot be a Binance USD-M perpetual. */
export function toNative(symbol: string): string | null {
  return PERPETUAL.test(symbol) ? symbol : null
}

/** Binance symbol → canonical; null for delivery contracts and anything not USDT/USDC-quoted. */
export function fromNative(native: string): string | null {
  return PERPETUAL.test(native) ? native : null
}

/** Stream names use the lower-case symbol: `btcusdt@aggTrade`. */
export function streamSymbol(symbol: string): string {
  return symbol.toLowerCase()
}

const CANONICAL_INTERVALS: ReadonlySet<string> = new Set(INTERVALS)

/** Binance interval names match the canonical ones; those takashi does not serve (8h, 3d, 1w, 1M) give null. */
export function intervalFromNative(native: string): Interval | null {
  return CANONICAL_INTERVALS.has(native) ? (native as Interval) : null
}
