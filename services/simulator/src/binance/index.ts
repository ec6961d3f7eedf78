import { startFakeBinance } from '@takashi/fakes/binance'
import {
  listingsOf,
  startSimulatedVenue,
  type SimulatedVenue,
  type SimulatedVenueOptions,
} from '../venue.ts'
import { binanceTranslator } from './translate.ts'

/**
 * A lively fake Binance USD-M: random-walk perpetuals behind the real protocol (aggTrade, klines
 * closing with x:true, markPrice@1s, forceOrder), with REST history consistent with them.
 */
export function startSimulatedBinance(options: SimulatedVenueOptions): Promise<SimulatedVenue> {
  return startSimulatedVenue(options, {
    start: (venue) => startFakeBinance(venue),
    markets: (venue) =>
      listingsOf(options, 'binance').map((listing) => ({
        ...listing,
        listener: binanceTranslator(venue, listing.symbol),
      })),
    urls: (venue) => ({ BINANCE_WS_URL: venue.wsUrl, BINANCE_REST_URL: venue.restUrl }),
  })
}
