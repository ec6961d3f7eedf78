import { INTERVALS, type Interval } from '@takashi/schemas'

// Perpetuals are named by coin: `BTC`, `ETH`; `k` coins are quoted per 1000 units (`kPEPE`).
// Spot pairs (`@123`, `PURR/USDC`) and builder-deployed perps (`dex:COIN`) match neither.
const COIN = /^[A-Z0-9]+$/
const KILO_COIN = /^k([A-Z0-9]+)$/
const CANONICAL = /^([A-Z0-9]+)USDT$/
const KILO = '1000'

/**
 * Canonical symbol → coin: BTCUSDT → BTC, and 1000PEPEUSDT → kPEPE (Binance's and Bybit's name
 * for the same 1000-unit contract); null for anything that is not a USDT-named symbol.
 */
export function toNative(symbol: string): string | null {
  const base = CANONICAL.exec(symbol)?.[1]
  if (base === undefined) return null
  return base.startsWith(KILO) && base.length > KILO.length ? `k${base.slice(KILO.length)}` : base
}

/**
 * Coin → canonical symbol: BTC → BTCUSDT, kPEPE → 1000PEPEUSDT (prices and sizes stay per 1000
 * units, as Hyperliquid quotes them). Null for spot, builder perps, and coins that would not map
 * back to themselves (a coin literally named `1000…`).
 */
export function fromNative(coin: string): string | null {
  const kilo = KILO_COIN.exec(coin)?.[1]
  if (kilo !== undefined) return `${KILO}${kilo}USDT`
  if (!COIN.test(coin) || coin.startsWith(KILO)) return null
  return `${coin}USDT`
}

/** Every canonical interval except 6h, which Hyperliquid does not have. */
export const HYPERLIQUID_INTERVALS: readonly Interval[] = INTERVALS.filter(
  (interval) => interval !== '6h'
)

const SERVED: ReadonlySet<string> = new Set(HYPERLIQUID_INTERVALS)

/** Hyperliquid interval names match the canonical ones; 8h, 3d, 1w and 1M give null. */
export function intervalFromNative(native: string): Interval | null {
  return SERVED.has(native) ? (native as Interval) : null
}
