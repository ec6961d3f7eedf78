import type { Logger } from '@takashi/observability'
import { startFakeBinance } from '@takashi/fakes/binance'
import { createSymbolMarket } from './market.ts'
import { createRandom, symbolSeed } from './random.ts'
import { driveMarkets } from './drive.ts'

export interface SimulatorOptions {
  /** fixed port; default any free one */
  port?: number
  symbols: readonly string[]
  intervals: readonly string[]
  log?: Logger
  /** the same seed replays the same market; default 1 */
  seed?: number
  /** wall clock; default Date.now */
  now?: () => number
}

export interface Simulator {
  binance: { wsUrl: string; restUrl: string }
  stop(): Promise<void>
}

/** A lively fake Binance USD-M: random-walk markets behind the real protocol, for `pnpm demo`. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const now = options.now ?? Date.now
  const seed = options.seed ?? 1
  const venue = await startFakeBinance({ port: options.port, now })
  const random = createRandom(seed)
  const start = now()
  const markets = options.symbols.map((symbol) =>
    createSymbolMarket({
      venue,
      symbol,
      intervals: options.intervals,
      random: createRandom(symbolSeed(seed, symbol)),
      now: start,
    })
  )

  const stopDriving = driveMarkets(markets, random, now)

  options.log?.info(
    {
      symbols: options.symbols,
      intervals: options.intervals,
      ws_url: venue.wsUrl,
      rest_url: venue.restUrl,
    },
    'simulator serving fake binance'
  )

  let stopped: Promise<void> | undefined
  return {
    binance: { wsUrl: venue.wsUrl, restUrl: venue.restUrl },
    stop() {
      stopped ??= (async () => {
        stopDriving()
        await venue.close()
        options.log?.info('simulator stopped')
      })()
      return stopped
    },
  }
}
