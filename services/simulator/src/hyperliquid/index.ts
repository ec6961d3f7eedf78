import {
  hyperliquidCoin,
  isHyperliquidInterval,
  startFakeHyperliquid,
  HYPERLIQUID_DEFAULT_UNIVERSE,
} from '@takashi/fakes/hyperliquid'
import { createRandom, symbolSeed, type Random } from '../random.ts'
import { createCoinMarket } from './market.ts'
import { driveMarkets } from '../drive.ts'

export interface SimulatedHyperliquidOptions {
  /** fixed port; default any free one */
  port?: number
  /** canonical symbols (BTCUSDT, 1000PEPEUSDT); ones with no Hyperliquid coin are skipped */
  symbols: readonly string[]
  /** candle intervals; ones Hyperliquid lacks (6h) are skipped */
  intervals: readonly string[]
  /** the market's randomness; default a fixed seed, so runs repeat */
  random?: Random
  /** wall clock; default Date.now */
  now?: () => number
}

export interface SimulatedHyperliquid {
  /** HYPERLIQUID_WS_URL and HYPERLIQUID_REST_URL pointing at the simulator */
  urls: Record<string, string>
  stop(): Promise<void>
}

/**
 * A lively fake Hyperliquid: random-walk perpetuals behind the real protocol (trades, candles,
 * asset contexts; no liquidations, as on Hyperliquid), with REST history consistent with them.
 */
export async function startSimulatedHyperliquid(
  options: SimulatedHyperliquidOptions
): Promise<SimulatedHyperliquid> {
  const now = options.now ?? Date.now
  const random = options.random ?? createRandom(1)
  const runSeed = Math.floor(random.next() * 2 ** 32)
  const venue = await startFakeHyperliquid({ port: options.port, now })
  venue.rest.setUniverse(HYPERLIQUID_DEFAULT_UNIVERSE)
  const intervals = options.intervals.filter(isHyperliquidInterval)
  const start = now()
  const markets = options.symbols.flatMap((symbol) => {
    const coin = hyperliquidCoin(symbol)
    if (coin === undefined) return []
    return [
      createCoinMarket({
        venue,
        symbol,
        coin,
        intervals,
        random: createRandom(symbolSeed(runSeed, symbol)),
        now: start,
      }),
    ]
  })

  const stopDriving = driveMarkets(markets, random, now)

  let stopped: Promise<void> | undefined
  return {
    urls: { HYPERLIQUID_WS_URL: venue.wsUrl, HYPERLIQUID_REST_URL: venue.restUrl },
    stop() {
      stopped ??= (async () => {
        stopDriving()
        await venue.close()
      })()
      return stopped
    },
  }
}
