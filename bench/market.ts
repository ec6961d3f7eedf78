// `pnpm bench market`: the demo stack (simulated venues) with two symbols and with SYMBOLS=all,
// each for a fixed time: resident memory and CPU of every process (Linux /proc).
import { readdirSync, readFileSync } from 'node:fs'
import { WebSocket } from 'ws'
import { freePort } from '@takashi/local-redis'
import { cpuSeconds, get, spawnTs, stopChild } from './processes.ts'

export interface ProcessFigures {
  name: string
  rss_mb: number
  /** CPU time over the measured window ÷ its length, in % of one core */
  cpu_pct: number
}

export interface MarketResult {
  symbols: string
  /** symbols each exchange serves (the gateway's /exchanges) */
  served: Record<string, number>
  /** seconds from start until every exchange served its symbols */
  ready_s: number
  seconds: number
  /** events a whole-market /ws/liquidations and /ws/large-trades client got, per second */
  events_per_s: Record<string, number>
  processes: ProcessFigures[]
}

/** pid → parent pid of every process. */
function parents(): Map<number, number> {
  const map = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // gone meanwhile
    }
  }
  return map
}

/** `root` and its descendants. */
function tree(root: number): number[] {
  const byParent = parents()
  const found = [root]
  for (let i = 0; i < found.length; i++) {
    for (const [pid, parent] of byParent) if (parent === found[i]) found.push(pid)
  }
  return found
}

const read = (pid: number, file: string) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return ''
  }
}

/** What a process of the stack is: `ingestor binance`, `aggregator`, `redis-server`, … */
function nameOf(pid: number, launcher: number): string | null {
  if (pid === launcher) return 'launcher + simulator'
  const command = read(pid, 'cmdline').split('\0').join(' ')
  if (command.startsWith('redis-server')) return 'redis-server'
  const service = /services\/(ingestor|aggregator|gateway)\/src\/main\.ts/.exec(command)?.[1]
  if (service !== 'ingestor') return service ?? null
  const exchange = /(?:^|\0)EXCHANGE=([a-z]+)/.exec(read(pid, 'environ'))?.[1]
  return `ingestor ${exchange ?? '?'}`
}

const rssMb = (pid: number) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(pid, 'status'))
  return match ? Number(match[1]) / 1024 : 0
}

async function servedCounts(url: string): Promise<Record<string, number> | null> {
  const answer = await get(`${url}/exchanges`).catch(() => null)
  if (answer?.status !== 200) return null
  const list = JSON.parse(answer.body.toString()) as { name: string; symbols: number }[]
  return Object.fromEntries(list.map((entry) => [entry.name, entry.symbols]))
}

/** Runs the demo stack with `symbols`, waits `warmupSeconds`, measures for `seconds`. */
export async function benchMarket(
  symbols: string,
  options: { warmupSeconds: number; seconds: number }
): Promise<MarketResult> {
  const port = await freePort()
  // runs of consecutive ports (ingestors and aggregator; the four venues), picked at random
  const metricsPort = 20_000 + Math.floor(Math.random() * 900)
  const simulatorPort = 21_000 + Math.floor(Math.random() * 900)
  const started = Date.now()
  const launcher = spawnTs(
    new URL('../services/launcher/src/main.ts', import.meta.url).pathname,
    ['--demo'],
    {
      SYMBOLS: symbols,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      SIMULATOR_PORT: String(simulatorPort),
      LOG_LEVEL: 'error',
    }
  )
  try {
    const url = `http://127.0.0.1:${port}`
    let served: Record<string, number> | null = null
    while (!served || Object.values(served).some((count) => count === 0)) {
      if (launcher.exitCode !== null)
        throw new Error(`the demo stack exited (${launcher.exitCode})`)
      if (Date.now() - started > 300_000) throw new Error('the demo stack was not ready in 5 min')
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      served = await servedCounts(url)
    }
    const readySeconds = Math.round((Date.now() - started) / 1_000)
    await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1_000))
    // a client of each whole-market feed, so the gateway's figures include a fan-out
    const feeds = ['liquidations', 'large-trades']
    const counts = new Map(feeds.map((feed) => [feed, 0]))
    const sockets = feeds.map((feed) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${feed}`)
      socket.on('message', () => counts.set(feed, (counts.get(feed) ?? 0) + 1))
      socket.on('error', () => {})
      return socket
    })
    await Promise.all(
      sockets.map((socket) => new Promise((resolve) => socket.once('open', resolve)))
    )
    for (const feed of feeds) counts.set(feed, 0)
    const pids = tree(launcher.pid ?? 0)
    const before = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))
    const from = performance.now()
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1_000))
    const elapsed = (performance.now() - from) / 1_000
    for (const socket of sockets) socket.terminate()
    const eventsPerSecond = Object.fromEntries(
      feeds.map((feed) => [feed, Math.round(((counts.get(feed) ?? 0) / elapsed) * 10) / 10])
    )
    const figures = new Map<string, ProcessFigures>()
    for (const pid of pids) {
      const name = nameOf(pid, launcher.pid ?? 0)
      const [was, now] = [before.get(pid), cpuSeconds(pid)]
      if (name === null || was == null || now === null) continue
      // tsx's own wrapper processes, if any, are counted with their service
      const entry = figures.get(name) ?? { name, rss_mb: 0, cpu_pct: 0 }
      entry.rss_mb += rssMb(pid)
      entry.cpu_pct += ((now - was) / elapsed) * 100
      figures.set(name, entry)
    }
    const processes = [...figures.values()]
      .map((p) => ({
        ...p,
        rss_mb: Math.round(p.rss_mb),
        cpu_pct: Math.round(p.cpu_pct * 10) / 10,
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    return {
      symbols,
      served: served,
      ready_s: readySeconds,
      seconds: options.seconds,
      events_per_s: eventsPerSecond,
      processes,
    }
  } finally {
    await stopChild(launcher, 20_000)
  }
}

/** The runs side by side, as the Markdown table of docs/benchmarks.md. */
export function marketTable(results: readonly MarketResult[]): string[] {
  const names = [...new Set(results.flatMap((r) => r.processes.map((p) => p.name)))]
  const cell = (result: MarketResult, name: string) => {
    const p = result.processes.find((entry) => entry.name === name)
    return p ? `${p.rss_mb} MiB, ${p.cpu_pct} %` : '–'
  }
  const total = (result: MarketResult) => {
    const rss = result.processes.reduce((sum, p) => sum + p.rss_mb, 0)
    const cpu = result.processes.reduce((sum, p) => sum + p.cpu_pct, 0)
    return `${rss} MiB, ${Math.round(cpu * 10) / 10} %`
  }
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(' | ')} |`
  return [
    row(
      'process',
      results.map((r) => `SYMBOLS=${r.symbols}`)
    ),
    row(
      '---',
      results.map(() => '---')
    ),
    ...names.map((name) =>
      row(
        name,
        results.map((r) => cell(r, name))
      )
    ),
    row('total', results.map(total)),
    row(
      'symbols served (binance, bybit, okx, hyperliquid)',
      results.map((r) => Object.values(r.served).join(', '))
    ),
    row(
      'events/s to one whole-market client (liquidations, large trades)',
      results.map((r) => Object.values(r.events_per_s).join(', '))
    ),
  ]
}
