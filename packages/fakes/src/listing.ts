// Made-up listings for whole-market tests: hundreds of USDT perpetuals with names every venue
// can carry (BASE + USDT, BASE A-Z0-9).

/** `count` canonical USDT perpetuals: BTCUSDT and ETHUSDT first, then `C0003USDT`, `C0004USDT`… */
export function listedSymbols(count: number): string[] {
  const symbols = ['BTCUSDT', 'ETHUSDT']
  for (let index = symbols.length; index < count; index++) {
    symbols.push(`C${String(index).padStart(4, '0')}USDT`)
  }
  return symbols.slice(0, count)
}

/** The base coin of a canonical USDT symbol: `BTCUSDT` → `BTC`. */
export function baseOf(symbol: string): string {
  return symbol.replace(/USDT$/, '')
}

/** When each of a socket's subscribe / unsubscribe requests came (ms), for rate checks. */
export type RequestTimes = number[]

/** The most requests inside any window of `windowMs` (e.g. 1000 for "per second"). */
export function peakRequests(times: readonly number[], windowMs: number): number {
  let peak = 0
  let start = 0
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++
    peak = Math.max(peak, end - start + 1)
  }
  return peak
}
