import { OKX_DEFAULT_INSTRUMENTS, okxInstId, startFakeOkx } from '@takashi/fakes/okx'
import {
  listingsOf,
  startSimulatedVenue,
  type SimulatedVenue,
  type SimulatedVenueOptions,
} from '../venue.ts'
import { OKX_OI_PERIODS, okxTranslator } from './translate.ts'

/** Contract sizes of the simulated swaps: OKX's own for BTC and ETH, 1 base unit otherwise. */
const CONTRACT_SIZE: Record<string, number> = { BTCUSDT: 0.01, ETHUSDT: 0.1 }

/**
 * A lively fake OKX: random-walk USDT swaps quoted in contracts behind the real protocol
 * (public: trades, open interest, funding, mark price, liquidations; business: candles).
 */
export function startSimulatedOkx(options: SimulatedVenueOptions): Promise<SimulatedVenue> {
  const listings = listingsOf(options, 'okx').filter((l) => /^[A-Z0-9]+USDT$/.test(l.symbol))
  return startSimulatedVenue(options, {
    start: (venue) => startFakeOkx(venue),
    markets(venue) {
      venue.rest.setInstruments([
        ...listings.map(({ symbol }) => ({
          instId: okxInstId(symbol),
          ctVal: String(CONTRACT_SIZE[symbol] ?? 1),
        })),
        ...OKX_DEFAULT_INSTRUMENTS.filter((item) => item.ctType === 'inverse'),
      ])
      return listings.map(({ symbol, ...listing }) => {
        const contractSize = CONTRACT_SIZE[symbol] ?? 1
        return {
          ...listing,
          symbol,
          // trades and liquidations are whole contracts
          lotSize: contractSize,
          oiPeriods: listing.oiPeriods ?? Object.keys(OKX_OI_PERIODS),
          listener: okxTranslator(venue, symbol, contractSize),
        }
      })
    },
    urls: (venue) => ({
      OKX_WS_PUBLIC_URL: venue.publicUrl,
      OKX_WS_BUSINESS_URL: venue.businessUrl,
      OKX_REST_URL: venue.restUrl,
    }),
  })
}
