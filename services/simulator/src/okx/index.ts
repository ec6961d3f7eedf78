import { OKX_DEFAULT_INSTRUMENTS, okxInstId, startFakeOkx } from '@takashi/fakes/okx'
import { driveMarkets } from '../drive.ts'
import { createRandom, symbolSeed, type Random } from '../random.ts'
import { createOkxMarket } from './market.ts'

/** Contract sizes of the simulated swaps: OKX's own for BTC and ETH, 1 base unit otherwise. */
const CONTRACT_SIZE: Record<string, number> = { BTCUSDT: 0.01, ETHUSDT: 0.1 }

/**
 * A lively fake OKX: random-walk USDT swaps quoted in contracts behind the real protocol
 * (public: trades, open interest, funding, mark price, liquidations; business: candles).
 */
export async function startSimulatedOkx(options: {
  port?: number
  symbols: readonly string[]
  intervals: readonly string[]
  random?: Random
  now?: () => number
}): Promise<{ urls: Record<string, string>; stop(): Promise<void> }> {
  const now = options.now ?? Date.now
  const random = options.random ?? createRandom(1)
  const runSeed = Math.floor(random.next() * 2 ** 32)
  const venue = await startFakeOkx({ port: options.port, now })
  const symbols = options.symbols.filter((symbol) => /^[A-Z0-9]+USDT$/.test(symbol))
  venue.rest.setInstruments([
    ...symbols.map((symbol) => ({
      instId: okxInstId(symbol),
      ctVal: String(CONTRACT_SIZE[symbol] ?? 1),
    })),
    ...OKX_DEFAULT_INSTRUMENTS.filter((item) => item.ctType === 'inverse'),
  ])
  const start = now()
  const markets = symbols.map((symbol) =>
    createOkxMarket({
      venue,
      symbol,
      contractSize: CONTRACT_SIZE[symbol] ?? 1,
      intervals: options.intervals,
      random: createRandom(symbolSeed(runSeed, symbol)),
      now: start,
    })
  )
  const stopDriving = driveMarkets(markets, random, now)
  let stopped: Promise<void> | undefined
  return {
    urls: {
      OKX_WS_PUBLIC_URL: venue.publicUrl,
      OKX_WS_BUSINESS_URL: venue.businessUrl,
      OKX_REST_URL: venue.restUrl,
    },
    stop() {
      stopped ??= (async () => {
        stopDriving()
        await venue.close()
      })()
      return stopped
    },
  }
}
