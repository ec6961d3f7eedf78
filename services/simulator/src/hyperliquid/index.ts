import {
  hyperliquidCoin,
  isHyperliquidInterval,
  startFakeHyperliquid,
  HYPERLIQUID_DEFAULT_UNIVERSE as DEFAULT_UNIVERSE,
  type HyperliquidAsset,
} from '@takashi/fakes/hyperliquid'
import {
  listingsOf,
  startSimulatedVenue,
  type Listing,
  type SimulatedVenue,
  type SimulatedVenueOptions,
} from '../venue.ts'
import { hyperliquidTranslator } from './translate.ts'

/**
 * A lively fake Hyperliquid: random-walk perpetuals behind the real protocol (trades, candles,
 * asset contexts; no liquidations, as on Hyperliquid), with REST history consistent with them.
 * Symbols with no Hyperliquid coin and intervals it lacks (6h) are skipped.
 */
export function startSimulatedHyperliquid(options: SimulatedVenueOptions): Promise<SimulatedVenue> {
  return startSimulatedVenue(options, {
    start: (venue) => startFakeHyperliquid(venue),
    markets(venue) {
      const listings = listingsOf(options, 'hyperliquid')
      venue.rest.setUniverse(options.symbols === 'all' ? universeOf(listings) : DEFAULT_UNIVERSE)
      return listings.flatMap(({ symbol, ...listing }) => {
        const coin = hyperliquidCoin(symbol)
        if (coin === undefined) return []
        return [
          {
            ...listing,
            symbol,
            intervals: (listing.intervals ?? options.intervals).filter(isHyperliquidInterval),
            // Hyperliquid settles funding every hour and serves no open interest history
            fundingIntervalMs: 3_600_000,
            oiPeriods: [],
            listener: hyperliquidTranslator(venue, symbol, coin),
          },
        ]
      })
    },
    urls: (venue) => ({ HYPERLIQUID_WS_URL: venue.wsUrl, HYPERLIQUID_REST_URL: venue.restUrl }),
  })
}

/** The meta universe of a whole market: every listed coin, and a delisted one as on the venue. */
function universeOf(listings: readonly Listing[]): HyperliquidAsset[] {
  const coins = listings.flatMap(({ symbol }) => hyperliquidCoin(symbol) ?? [])
  const delisted = DEFAULT_UNIVERSE.filter((asset) => asset.isDelisted)
  const listed = coins.map((name) => {
    const known = DEFAULT_UNIVERSE.find((asset) => asset.name === name)
    return known ?? { name, szDecimals: 1, maxLeverage: 10 }
  })
  return [...listed, ...delisted]
}
