/** How one simulated symbol looks: price level, precision, activity and open interest. */
export interface SymbolProfile {
  symbol: string
  basePrice: number
  priceDecimals: number
  quantityDecimals: number
  /** open interest around which the simulation drifts, base units */
  baseOpenInterest: number
}

const KNOWN: Record<
  string,
  Pick<SymbolProfile, 'basePrice' | 'priceDecimals' | 'quantityDecimals'>
> = {
  BTCUSDT: { basePrice: 60_000, priceDecimals: 2, quantityDecimals: 3 },
  ETHUSDT: { basePrice: 3_000, priceDecimals: 2, quantityDecimals: 3 },
}

/** Per-trade log-price volatility; about 0.6 % an hour at five trades a second. */
export const TRADE_VOLATILITY = 0.00005
/** Trades a minute, used to size historical candles like the live ones. */
export const TRADES_PER_MINUTE = 300

export function profileFor(symbol: string): SymbolProfile {
  const known = KNOWN[symbol] ?? { basePrice: 100, priceDecimals: 4, quantityDecimals: 1 }
  // roughly $5 billion of open interest for the majors, $50 million for the rest
  const notional = KNOWN[symbol] ? 5e9 : 5e7
  return { symbol, ...known, baseOpenInterest: notional / known.basePrice }
}

export const formatPrice = (profile: SymbolProfile, price: number) =>
  price.toFixed(profile.priceDecimals)

export const formatQuantity = (profile: SymbolProfile, quantity: number) =>
  Math.max(quantity, 10 ** -profile.quantityDecimals).toFixed(profile.quantityDecimals)

/** Rounds to what the venue would print, so sums match the strings sent. */
export const roundQuantity = (profile: SymbolProfile, quantity: number) =>
  Number(formatQuantity(profile, quantity))

export const roundPrice = (profile: SymbolProfile, price: number) =>
  Number(formatPrice(profile, price))
