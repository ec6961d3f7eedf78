import { SPIKE_TIMEFRAMES, type ExchangeId } from '@takashi/schemas'
import type { Logger } from '@takashi/observability'
import { startSimulatedBinance } from './binance/index.ts'
import { startSimulatedBybit } from './bybit/index.ts'
import { startSimulatedHyperliquid } from './hyperliquid/index.ts'
import { startSimulatedOkx } from './okx/index.ts'
import { createRandom } from './market/random.ts'
import type { SimulatedVenue, SimulatedVenueOptions } from './venue.ts'

/** The streamed intervals and the spike monitor's timeframes, which it seeds from candles. */
const wholeMarketIntervals = (streamed: readonly string[]) => [
  ...new Set([...streamed, ...SPIKE_TIMEFRAMES]),
]

type StartVenue = (options: SimulatedVenueOptions) => Promise<SimulatedVenue>

/** Every simulated exchange, in port order: the k-th listens on the base port + k. */
const VENUES: [ExchangeId, StartVenue][] = [
  ['binance', startSimulatedBinance],
  ['bybit', startSimulatedBybit],
  ['okx', startSimulatedOkx],
  ['hyperliquid', startSimulatedHyperliquid],
]

export const SIMULATED_EXCHANGES: readonly ExchangeId[] = VENUES.map(([id]) => id)

export interface Simulation {
  /** the exchange URL variables (BINANCE_WS_URL, …) pointing at the simulated venues */
  urls: Record<string, string>
  exchanges: ExchangeId[]
  stop(): Promise<void>
}

/**
 * Simulated venues for the requested exchanges, each speaking its exchange's real protocol on
 * its own port (`basePort + k` in SIMULATED_EXCHANGES order, or free ports).
 */
export async function startSimulation(options: {
  exchanges: readonly ExchangeId[]
  /** canonical symbols, or `all`: a few hundred per venue (see market/whole-market.ts) */
  symbols: readonly string[] | 'all'
  intervals: readonly string[]
  /** with `all`: the intervals streamed (OHLC_INTERVALS), simulated for every symbol */
  streamedIntervals?: readonly string[]
  basePort?: number
  seed?: number
  log?: Logger
}): Promise<Simulation> {
  const started: SimulatedVenue[] = []
  const exchanges: ExchangeId[] = []
  const random = createRandom(options.seed ?? 1)
  try {
    for (const [k, [id, start]] of VENUES.entries()) {
      if (!options.exchanges.includes(id)) continue
      const port = options.basePort === undefined ? undefined : options.basePort + k
      started.push(
        await start({
          ...(port !== undefined && { port }),
          symbols: options.symbols,
          intervals: options.intervals,
          ...(options.streamedIntervals && {
            wholeMarketIntervals: wholeMarketIntervals(options.streamedIntervals),
          }),
          random,
        })
      )
      exchanges.push(id)
    }
  } catch (error) {
    await Promise.all(started.map((venue) => venue.stop()))
    throw error
  }
  const urls = Object.assign({}, ...started.map((venue) => venue.urls)) as Record<string, string>
  options.log?.info({ exchanges, urls }, 'simulation serving')
  return {
    urls,
    exchanges,
    stop: async () => {
      await Promise.all(started.map((venue) => venue.stop()))
    },
  }
}
