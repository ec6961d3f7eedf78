import { createLogger, onShutdown } from '@takashi/observability'
import { INTERVALS } from '@takashi/schemas'
import { env } from './env.ts'
import { SIMULATED_EXCHANGES, startSimulation } from './simulation.ts'

const log = createLogger({ service: 'simulator', level: env.LOG_LEVEL })
const simulation = await startSimulation({
  exchanges: SIMULATED_EXCHANGES,
  symbols: env.SYMBOLS,
  streamedIntervals: env.OHLC_INTERVALS,
  // every interval, so REST answers any interval a client asks for, not only the streamed ones
  intervals: INTERVALS,
  basePort: env.SIMULATOR_PORT,
  log,
})
// the variables to give the ingestors, ready to paste
const lines = Object.entries(simulation.urls).map(([name, url]) => `${name}=${url}`)
process.stdout.write(`simulated ${simulation.exchanges.join(', ')}:\n${lines.join('\n')}\n`)

onShutdown(log, () => simulation.stop())
