import type { ExchangeId } from '@takashi/schemas'
import { driveMarkets } from './market/drive.ts'
import { createMarket, type MarketListener, type MarketOptions } from './market/market.ts'
import { createRandom, symbolSeed, type Random } from './market/random.ts'
import { MAJORS, MINOR, wholeMarketOf } from './market/whole-market.ts'

/** What every simulated venue is started with. */
export interface SimulatedVenueOptions {
  /** fixed port; default any free one */
  port?: number
  /** canonical symbols (a venue skips the ones it cannot list), or `all`: its whole market */
  symbols: readonly string[] | 'all'
  intervals: readonly string[]
  /** with `all`: the intervals of the symbols other than the majors; default 1m, 5m, 15m, 1h */
  wholeMarketIntervals?: readonly string[]
  /** the market's randomness; default a fixed seed, so runs repeat */
  random?: Random
  /** wall clock; default Date.now */
  now?: () => number
}

export interface SimulatedVenue {
  /** the exchange URL variables (BINANCE_WS_URL, …) pointing at the venue */
  urls: Record<string, string>
  stop(): Promise<void>
}

/** One symbol a venue lists: its translator and the market options the venue needs. */
export type VenueMarket = Partial<Omit<MarketOptions, 'random' | 'now'>> & {
  symbol: string
  listener: MarketListener
}

/** A symbol a venue lists and how it is simulated (fields left out: the venue's defaults). */
export type Listing = Pick<
  VenueMarket,
  'symbol' | 'intervals' | 'activity' | 'historyLength' | 'oiPeriods'
>

/**
 * The symbols `exchange` lists: the given ones, or with `all` its share of the simulated whole
 * market, where every symbol but the majors trades less and keeps less history.
 */
export function listingsOf(options: SimulatedVenueOptions, exchange: ExchangeId): Listing[] {
  if (options.symbols !== 'all') return options.symbols.map((symbol) => ({ symbol }))
  const minorIntervals = options.wholeMarketIntervals ?? ['1m', '5m', '15m', '1h']
  return wholeMarketOf(exchange).map((symbol) =>
    MAJORS.has(symbol)
      ? { symbol }
      : { symbol, intervals: minorIntervals, ...MINOR, oiPeriods: [...MINOR.oiPeriods] }
  )
}

/**
 * Starts a fake venue and one market model per listed symbol, each told to the venue's
 * translator, driven on one clock; `stop()` clears every timer and closes the venue.
 */
export async function startSimulatedVenue<V extends { close(): Promise<void> }>(
  options: SimulatedVenueOptions,
  venueOf: {
    start(options: { port?: number; now: () => number }): Promise<V>
    markets(venue: V): VenueMarket[]
    urls(venue: V): Record<string, string>
  }
): Promise<SimulatedVenue> {
  const now = options.now ?? Date.now
  const random = options.random ?? createRandom(1)
  const runSeed = Math.floor(random.next() * 2 ** 32)
  const venue = await venueOf.start({
    ...(options.port !== undefined && { port: options.port }),
    now,
  })
  let stopDriving: () => void
  try {
    const start = now()
    const markets = venueOf.markets(venue).map(({ listener, ...market }) =>
      createMarket(
        {
          intervals: options.intervals,
          ...market,
          random: createRandom(symbolSeed(runSeed, market.symbol)),
          now: start,
        },
        listener
      )
    )
    stopDriving = driveMarkets(markets, random, now)
  } catch (error) {
    await venue.close()
    throw error
  }

  let stopped: Promise<void> | undefined
  return {
    urls: venueOf.urls(venue),
    stop() {
      stopped ??= (async () => {
        stopDriving()
        await venue.close()
      })()
      return stopped
    },
  }
}
