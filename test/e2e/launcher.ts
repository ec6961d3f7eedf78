import { spawn } from 'node:child_process'
import { freePort, freePorts } from '@takashi/local-redis'

export interface RunningLauncher {
  port: number
  /** the first exchange's ingestor; the aggregator has the next port */
  metricsPort: number
  /** everything the launcher and its children printed so far */
  output(): string
  /** resolves with the exit code whenever the launcher exits, even before anyone waits */
  exited: Promise<number | null>
  /** SIGTERM, then the exit code; throws (with the output) when the stop takes over `ms` */
  stop(ms?: number): Promise<number | null>
}

/** `pnpm demo` as a newcomer runs it: the launcher with its children, against the simulator. */
export async function startDemo(env: Record<string, string> = {}): Promise<RunningLauncher> {
  const port = await freePort()
  // an ingestor per exchange and the aggregator, on consecutive ports
  const metricsPort = await freePorts(5)
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'services/launcher/src/main.ts', '--demo'],
    {
      env: {
        ...process.env,
        REDIS_URL: '',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        SIMULATOR_PORT: String(await freePorts(4)),
        EXCHANGES: 'binance',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  )
  return {
    port,
    metricsPort,
    output: () => output,
    exited,
    async stop(ms = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return within(ms, exited, () => `the launcher did not exit:\n${output.slice(-3000)}`)
    },
  }
}

/** Resolves like `promise`, or rejects with `message()` after `ms`. */
export async function within<T>(
  ms: number,
  promise: Promise<T>,
  message: () => string
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
