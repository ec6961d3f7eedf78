// wrk (https://github.com/wg/wrk), the HTTP load generator of the REST benchmark: run it, read
// its summary.
import { spawn, spawnSync } from 'node:child_process'

export interface WrkOptions {
  seconds: number
  threads: number
  connections: number
  headers?: Record<string, string>
}

export interface WrkResult {
  requests_per_s: number
  p50_ms: number
  p99_ms: number
  requests: number
  /** bytes read per response, headers included */
  bytes_per_response: number
  non_2xx: number
  socket_errors: number
}

/** True when `wrk` is on the PATH (`wrk -v` prints its version and exits 1). */
export function hasWrk(): boolean {
  return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined
}

export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => [
      '-H',
      `${name}: ${value}`,
    ]),
    url,
  ]
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${output}`)
  return parseWrk(output)
}

export function parseWrk(output: string): WrkResult {
  const number = (pattern: RegExp): RegExpExecArray => {
    const match = pattern.exec(output)
    if (!match) throw new Error(`unexpected wrk output (no ${pattern.source}):\n${output}`)
    return match
  }
  const [, requests = '0', read = '0', unit = 'B'] = number(
    /(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read/
  )
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output
  )
  const count = Number(requests)
  return {
    requests_per_s: Math.round(Number(number(/Requests\/sec:\s+([\d.]+)/)[1])),
    p50_ms: latencyMs(number(/ 50%\s+([\d.]+)(us|ms|s|m)\b/)),
    p99_ms: latencyMs(number(/ 99%\s+([\d.]+)(us|ms|s|m)\b/)),
    requests: count,
    bytes_per_response: count === 0 ? 0 : Math.round((Number(read) * BYTES[unit]!) / count),
    non_2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socket_errors: socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  }
}

const BYTES: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }
const MS: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000 }

function latencyMs([, value, unit]: RegExpExecArray): number {
  return Math.round(Number(value) * (MS[unit ?? 'ms'] ?? 1) * 100) / 100
}
