import type { Logger } from '@takashi/observability'
import { startFakeBinance } from '@takashi/testing/fake-binance'
import { createSymbolMarket } from './market.ts'
import { createRandom, symbolSeed } from './random.ts'

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

// ~5 trades a second per symbol: a trade in half the 100 ms ticks, now and then a burst
const TICK_MS = 100
const TRADE_CHANCE = 0.5
const BURST_CHANCE = 0.03

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

  const trading = setInterval(() => {
    const time = now()
    for (const market of markets) {
      if (random.chance(TRADE_CHANCE)) market.trade(time)
      if (random.chance(BURST_CHANCE)) for (let i = 0; i < 3; i++) market.trade(time)
    }
  }, TICK_MS)
  const seconds = setInterval(() => {
    const time = now()
    for (const market of markets) market.second(time)
  }, 1_000)

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
        clearInterval(trading)
        clearInterval(seconds)
        await venue.close()
        options.log?.info('simulator stopped')
      })()
      return stopped
    },
  }
}
