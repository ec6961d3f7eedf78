import {
  hyperliquidCoin,
  isHyperliquidInterval,
  startFakeHyperliquid,
  HYPERLIQUID_DEFAULT_UNIVERSE,
} from '@takashi/fakes/hyperliquid'
import { startSimulatedVenue, type SimulatedVenue, type SimulatedVenueOptions } from '../venue.ts'
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
      venue.rest.setUniverse(HYPERLIQUID_DEFAULT_UNIVERSE)
      return options.symbols.flatMap((symbol) => {
        const coin = hyperliquidCoin(symbol)
        if (coin === undefined) return []
        return [
          {
            symbol,
            intervals: options.intervals.filter(isHyperliquidInterval),
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
