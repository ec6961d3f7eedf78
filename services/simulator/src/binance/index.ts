import type { Random } from '../random.ts'
import { startSimulator } from '../simulator.ts'

/** The Binance simulator in the shape every simulated venue shares. */
export async function startSimulatedBinance(options: {
  port?: number
  symbols: readonly string[]
  intervals: readonly string[]
  random?: Random
  now?: () => number
}): Promise<{ urls: Record<string, string>; stop(): Promise<void> }> {
  const seed = options.random ? Math.floor(options.random.next() * 2 ** 31) : undefined
  const simulator = await startSimulator({
    ...(options.port !== undefined && { port: options.port }),
    ...(seed !== undefined && { seed }),
    ...(options.now && { now: options.now }),
    symbols: options.symbols,
    intervals: options.intervals,
  })
  return {
    urls: { BINANCE_WS_URL: simulator.binance.wsUrl, BINANCE_REST_URL: simulator.binance.restUrl },
    stop: () => simulator.stop(),
  }
}
