import { startFakeBybit } from '@takashi/fakes/bybit'
import { driveMarkets } from '../drive.ts'
import { createRandom, symbolSeed, type Random } from '../random.ts'
import { createBybitMarket } from './market.ts'

export interface SimulatedBybitOptions {
  /** fixed port; default any free one */
  port?: number
  /** canonical symbols; ones that are not USDT perpetuals are skipped */
  symbols: readonly string[]
  intervals: readonly string[]
  /** the market's randomness; default a fixed seed, so runs repeat */
  random?: Random
  /** wall clock; default Date.now */
  now?: () => number
}

/**
 * A lively fake Bybit: random-walk linear perpetuals behind the real protocol (trades, klines,
 * tickers as snapshot + deltas, liquidations), with REST history consistent with them.
 */
export async function startSimulatedBybit(
  options: SimulatedBybitOptions
): Promise<{ urls: Record<string, string>; stop(): Promise<void> }> {
  const now = options.now ?? Date.now
  const random = options.random ?? createRandom(1)
  const runSeed = Math.floor(random.next() * 2 ** 32)
  const venue = await startFakeBybit({ port: options.port, now })
  const start = now()
  const symbols = options.symbols.filter((symbol) => /^[A-Z0-9]+USDT$/.test(symbol))
  venue.rest.setInstruments(symbols.map((symbol) => ({ symbol, fundingInterval: 480 })))
  const markets = symbols.map((symbol) =>
    createBybitMarket({
      venue,
      symbol,
      intervals: options.intervals,
      random: createRandom(symbolSeed(runSeed, symbol)),
      now: start,
    })
  )
  const stopDriving = driveMarkets(markets, random, now)

  let stopped: Promise<void> | undefined
  return {
    urls: { BYBIT_WS_URL: venue.wsUrl, BYBIT_REST_URL: venue.restUrl },
    stop() {
      stopped ??= (async () => {
        stopDriving()
        await venue.close()
      })()
      return stopped
    },
  }
}
