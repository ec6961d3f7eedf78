// Child processes of the benchmarks: the real gateway (services/gateway/src/main.ts, as deployed)
// and the bare baselines, each with its own event loop, all killed when the benchmark exits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { freePort } from '@takashi/local-redis'

const children = new Set<ChildProcess>()

// A benchmark that throws or is interrupted must not leave servers behind.
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130))
}

/** Kills `child` with the process when it exits (redis-server from startLocalRedis, say). */
export function own(child: ChildProcess): void {
  children.add(child)
  child.once('exit', () => children.delete(child))
}

export interface Server {
  url: string
  port: number
  pid: number
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone */
  stop(graceMs?: number): Promise<void>
  /** how the process ended, or null while it runs */
  exited(): string | null
}

/** Runs a TypeScript file of the repository in its own node process (through tsx). */
export function spawnTs(
  path: string,
  args: readonly string[],
  env: Record<string, string> = {},
  ipc = false
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc' as const] : [])],
  })
  // logs (warnings and worse) go with the benchmark's diagnostics, not its figures
  child.stdout?.pipe(process.stderr)
  own(child)
  return child
}

export function benchFile(name: string): string {
  return new URL(`./${name}`, import.meta.url).pathname
}

/** The gateway as `pnpm start` runs it, on a free port, once `/readyz` answers 200. */
export async function startGatewayProcess(
  redisUrl: string,
  env: Record<string, string> = {}
): Promise<Server> {
  const port = await freePort()
  const child = spawnTs(new URL('../services/gateway/src/main.ts', import.meta.url).pathname, [], {
    REDIS_URL: redisUrl,
    PORT: String(port),
    EXCHANGES: 'binance',
    SYMBOLS: 'BTCUSDT',
    OHLC_INTERVALS: '1m',
    LOG_LEVEL: 'warn',
    FETCH_TIMEOUT_MS: '2000',
    ...env,
  })
  return serverOf(child, port, '/readyz')
}

/** A child already told to listen on `port`, once `readyPath` answers 200. */
export async function serverOf(child: ChildProcess, port: number, readyPath: string) {
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  let last = 'no answer'
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const answer = await get(url + readyPath).catch((err: Error) => err)
    if (!(answer instanceof Error) && answer.status === 200) break
    last = answer instanceof Error ? answer.message : `${answer.status} ${answer.body.toString()}`
    if (Date.now() > deadline) throw new Error(`${url}${readyPath} not ready after 30 s: ${last}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const server: Server = {
    url,
    port,
    pid: child.pid ?? 0,
    stop: (graceMs = 12_000) => stopChild(child, graceMs),
    exited: () =>
      child.exitCode !== null
        ? `exit code ${child.exitCode}`
        : child.signalCode !== null
          ? `signal ${child.signalCode}`
          : null,
  }
  return server
}

export function stopChild(child: ChildProcess, graceMs = 12_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** A plain GET (no Accept-Encoding, unlike fetch), body as raw bytes. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
      )
      res.on('error', reject)
    })
    req.setTimeout(5_000, () => req.destroy(new Error(`${url}: no answer in 5 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** Peak resident memory of a process in MiB (Linux `VmHWM`), or null where unknown. */
export function peakRssMb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Math.round(Number(match[1]) / 1024) : null
  } catch {
    return null
  }
}

let ticksPerSecond: number | undefined

/** CPU time a process has used so far (user + system), in seconds; null where unknown. */
export function cpuSeconds(pid: number): number | null {
  try {
    ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString()) || 100
    // the fields after the command name, which is in parentheses and may hold spaces
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
  } catch {
    return null
  }
}

/** `work` per CPU-second of `pid` while `run` runs, with `run`'s result. */
export async function perCpuSecond<T>(
  pid: number,
  run: () => Promise<T>,
  work: (result: T) => number
): Promise<{ result: T; per_cpu_s: number | null; cpu_s: number | null }> {
  const before = cpuSeconds(pid)
  const result = await run()
  const after = cpuSeconds(pid)
  const cpu = before === null || after === null ? null : after - before
  const perCpu = cpu === null || cpu === 0 ? null : Math.round(work(result) / cpu)
  return { result, per_cpu_s: perCpu, cpu_s: cpu === null ? null : Math.round(cpu * 100) / 100 }
}
