import { startFakeBybit } from '@takashi/fakes/bybit'
import {
  listingsOf,
  startSimulatedVenue,
  type SimulatedVenue,
  type SimulatedVenueOptions,
} from '../venue.ts'
import { BYBIT_OI_INTERVALS, bybitTranslator } from './translate.ts'

/**
 * A lively fake Bybit: random-walk linear perpetuals behind the real protocol (trades, klines,
 * tickers as snapshot + deltas, liquidations), with REST history consistent with them.
 * Symbols that are not USDT perpetuals are skipped.
 */
export function startSimulatedBybit(options: SimulatedVenueOptions): Promise<SimulatedVenue> {
  const listings = listingsOf(options, 'bybit').filter((l) => /^[A-Z0-9]+USDT$/.test(l.symbol))
  return startSimulatedVenue(options, {
    start: (venue) => startFakeBybit(venue),
    markets(venue) {
      venue.rest.setInstruments(listings.map(({ symbol }) => ({ symbol, fundingInterval: 480 })))
      return listings.map(({ symbol, ...listing }) => ({
        ...listing,
        symbol,
        oiPeriods: listing.oiPeriods ?? Object.keys(BYBIT_OI_INTERVALS),
        listener: bybitTranslator(venue, symbol),
      }))
    },
    urls: (venue) => ({ BYBIT_WS_URL: venue.wsUrl, BYBIT_REST_URL: venue.restUrl }),
  })
}
