import { INTERVALS, type Interval } from '@takashi/schemas'

// USDT-margined perpetual swaps are `BTC-USDT-SWAP`; coin-margined swaps (`BTC-USD-SWAP`),
// futures (`BTC-USD-220527`) and spot pairs (`BTC-USDT`) are not USD-margined perpetuals.
const CANONICAL = /^([A-Z0-9]+)USDT$/
const NATIVE = /^([A-Z0-9]+)-USDT-SWAP$/

export function toNative(symbol: string): string | null {
  const base = CANONICAL.exec(symbol)?.[1]
  return base === undefined ? null : `${base}-USDT-SWAP`
}

export function fromNative(instId: string): string | null {
  const base = NATIVE.exec(instId)?.[1]
  return base === undefined ? null : `${base}USDT`
}

/**
 * OKX bar names. From 6 hours up, the plain bars are aligned to UTC+8 (Hong Kong time); takashi
 * candles open at UTC boundaries, so the `utc` bars are used.
 */
const BARS: Record<Interval, string> = {
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '1H',
  '2h': '2H',
  '4h': '4H',
  '6h': '6Hutc',
  '12h': '12Hutc',
  '1d': '1Dutc',
}
const FROM_BAR = new Map(Object.entries(BARS).map(([interval, bar]) => [bar, interval as Interval]))

export const OKX_INTERVALS: readonly Interval[] = INTERVALS

export function barOf(interval: Interval): string {
  return BARS[interval]
}

/** `1H` → `1h`; UTC+8 bars (`6H`, `1D`) and longer ones give null. */
export function intervalFromBar(bar: string): Interval | null {
  return FROM_BAR.get(bar) ?? null
}
