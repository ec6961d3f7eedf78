import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { hasRedisServer, startLocalRedis, type LocalRedis } from '@takashi/local-redis'
import { adapters } from '@takashi/exchanges'
import { INTERVALS, type ExchangeId } from '@takashi/schemas'
import { prettyLogLines } from '@takashi/observability'
import { env, inheritedEnv, logFormat } from './env.ts'
import { formatTable, planStack } from './plan.ts'
import { supervise, type Supervisor } from './supervisor.ts'
import { startSimulation, type Simulation } from '@takashi/simulator/simulation'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const demo = process.argv.includes('--demo')
const log = (line: string) => process.stderr.write(`[takashi] ${line}\n`)

let localRedis: LocalRedis | undefined
let redisUrl = env.REDIS_URL
// with Sentinels the children find the master themselves (they inherit REDIS_SENTINELS)
if (!redisUrl && !env.REDIS_SENTINELS) {
  if (!hasRedisServer()) {
    log(
      'REDIS_URL is not set and no redis-server is installed. Install Redis ' +
        '(Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) ' +
        'or point REDIS_URL at a running one, e.g. REDIS_URL=redis://127.0.0.1:6379 pnpm start'
    )
    process.exit(1)
  }
  localRedis = await startLocalRedis()
  redisUrl = localRedis.url
  const redisProcess = localRedis.process
  process.once('exit', () => redisProcess.kill('SIGTERM'))
  log(`started a private redis-server at ${redisUrl} (no persistence)`)
}

const childEnv: Record<string, string | undefined> = { ...inheritedEnv, REDIS_URL: redisUrl ?? '' }
const supervisors: Supervisor[] = []
const simulations: Simulation[] = []
let stopping = false
// a second signal while stopping changes nothing: the stop is bounded (stragglers are killed
// after 10 s), and exiting early would leave children running with no one reading their output
async function shutdown(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  log('stopping')
  for (const supervisor of supervisors.reverse()) await supervisor.stop()
  for (const simulation of simulations) await simulation.stop()
  await localRedis?.stop()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

// in demo mode only the simulated exchanges can run
let runnable = new Set(Object.keys(adapters) as ExchangeId[])
if (demo) {
  const simulation = await startSimulation({
    exchanges: env.EXCHANGES,
    symbols: env.SYMBOLS,
    streamedIntervals: env.OHLC_INTERVALS,
    // every interval, so REST answers any interval a client asks for, not only the streamed ones
    intervals: INTERVALS,
    basePort: env.SIMULATOR_PORT,
  })
  simulations.push(simulation)
  runnable = new Set(simulation.exchanges.filter((id) => runnable.has(id)))
  Object.assign(childEnv, simulation.urls)
  log(`demo mode: ${simulation.exchanges.join(', ')} simulated from port ${env.SIMULATOR_PORT}`)
}

const { processes, skipped } = planStack({
  exchanges: env.EXCHANGES,
  available: runnable,
  redisUrl: redisUrl ?? '',
  port: env.PORT,
  metricsPort: env.METRICS_PORT,
})
if (skipped.length > 0) {
  log(`${skipped.join(', ')}: no ${demo ? 'simulator or adapter' : 'adapter'} yet; not started`)
}
// the gateway reports on exactly the exchanges that run
childEnv.EXCHANGES = env.EXCHANGES.filter((id) => runnable.has(id)).join(',')
process.stdout.write(`${formatTable(processes, env.PORT)}\n`)
// each child through its own formatter, so lines of two children never interleave mid-line
const pretty = (output: Readable) =>
  output
    .pipe(prettyLogLines({ colorize: process.stdout.hasColors?.() ?? false }))
    .pipe(process.stdout, { end: false })
const stack = supervise(processes, {
  root,
  env: childEnv,
  log,
  ...(logFormat === 'pretty' && { stdout: pretty }),
})
supervisors.push(stack)
if (demo) {
  const symbol = env.SYMBOLS === 'all' ? 'BTCUSDT' : (env.SYMBOLS[0] ?? 'BTCUSDT')
  log(`try: curl localhost:${env.PORT}/binance/ohlc/${symbol}/1m?limit=5`)
  log(`     websocat ws://localhost:${env.PORT}/ws/binance/${symbol}/trades`)
}
void stack.done.then((code) => shutdown(code))
