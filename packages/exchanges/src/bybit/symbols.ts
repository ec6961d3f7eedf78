import { INTERVALS, type Interval } from '@takashi/schemas'

// Linear symbols are already canonical (BTCUSDT). USDC perpetuals (BTCPERP), dated futures
// (BTC-26DEC25) and inverse contracts (BTCUSD) are not USDT perpetuals.
const USDT_PERPETUAL = /^[A-Z0-9]+USDT$/

export function toNative(symbol: string): string | null {
  return USDT_PERPETUAL.test(symbol) ? symbol : null
}

export function fromNative(native: string): string | null {
  return USDT_PERPETUAL.test(native) ? native : null
}

/** Bybit's kline interval names (REST `interval`, WS `kline.{interval}.{symbol}`). */
const NATIVE_INTERVAL: Record<Interval, string> = {
  '1m': '1',
  '3m': '3',
  '5m': '5',
  '15m': '15',
  '30m': '30',
  '1h': '60',
  '2h': '120',
  '4h': '240',
  '6h': '360',
  '12h': '720',
  '1d': 'D',
}
const CANONICAL_INTERVAL = new Map(
  Object.entries(NATIVE_INTERVAL).map(([canonical, native]) => [native, canonical as Interval])
)

/** Bybit serves every canonical interval. */
export const BYBIT_INTERVALS: readonly Interval[] = INTERVALS

export function intervalToNative(interval: Interval): string {
  return NATIVE_INTERVAL[interval]
}

/** `60` → `1h`; weeks and months (`W`, `M`) give null. */
export function intervalFromNative(native: string): Interval | null {
  return CANONICAL_INTERVAL.get(native) ?? null
}
