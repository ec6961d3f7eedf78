// `pnpm bench [parse|rest|fanout|spikes|market]`: throughput, latency and memory figures
// (docs/benchmarks.md). `market` runs only when named: it takes minutes.
import { availableParallelism, loadavg, totalmem } from 'node:os'
import { benchFanout } from './fanout.ts'
import { benchMarket, marketTable } from './market.ts'
import { benchParse } from './parse.ts'
import { benchRest, restTable } from './rest.ts'
import { benchSpikes } from './spikes.ts'
import { hasWrk } from './wrk.ts'

const only = process.argv[2]
const machine = `${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`
// other work on the machine moves every figure; the ratios within one run move less
const load = () => `load average ${loadavg().map(oneDecimal).join(' ')}`
const oneDecimal = (n: number) => n.toFixed(1)
process.stdout.write(`takashi benchmarks on ${machine}, ${load()}\n`)

if (!only || only === 'parse') {
  process.stdout.write('\nparse (pure adapter code, one core)\n')
  for (const result of benchParse()) {
    process.stdout.write(
      `  ${result.name.padEnd(22)} ${result.frames_per_s.toLocaleString('en')} frames/s\n`
    )
  }
}

if (!only || only === 'rest') {
  if (!hasWrk()) {
    process.stderr.write(
      'pnpm bench rest needs wrk (an HTTP load generator) on the PATH: ' +
        'apt-get install wrk, brew install wrk, or build https://github.com/wg/wrk\n'
    )
    process.exit(1)
  }
  const options = {
    seconds: Number(process.env.BENCH_REST_SECONDS ?? 5),
    rounds: Number(process.env.BENCH_REST_ROUNDS ?? 3),
    warmupSeconds: 2,
    threads: 2,
    connections: 100,
  }
  process.stdout.write(
    `\nREST (wrk -t${options.threads} -c${options.connections} -d${options.seconds}s after a ` +
      `${options.warmupSeconds} s warm-up; each server in its own process; the servers take ` +
      `turns, ${options.rounds} rounds per route, median round shown; wrk, the server and ` +
      `redis-server share the ${availableParallelism()} cores)\n`
  )
  const results = await benchRest(options)
  for (const line of restTable(results)) process.stdout.write(`${line}\n`)
  for (const result of results) process.stdout.write(`  ${JSON.stringify(result)}\n`)
  process.stdout.write(`  (${load()} at the end)\n`)
}

if (!only || only === 'fanout') {
  // BENCH_FANOUT_GRID: clients×msg/s cells, comma-separated
  const grid = (process.env.BENCH_FANOUT_GRID ?? '100x1000,1000x100,1000x500,5000x20')
    .split(',')
    .map((cell) => cell.split('x').map(Number) as [number, number])
  const options = {
    seconds: Number(process.env.BENCH_FANOUT_SECONDS ?? 5),
    clientProcesses: Number(process.env.BENCH_FANOUT_CLIENT_PROCESSES ?? 2),
  }
  process.stdout.write(
    `\nfan-out (/ws/binance/BTCUSDT/trades, ${options.seconds} s per cell; the gateway and the raw ` +
      `ws bound each in its own process, one at a time; clients are raw-TCP readers in ` +
      `${options.clientProcesses} processes; all share the ${availableParallelism()} cores)\n`
  )
  for (const [clients, rate] of grid) {
    const gateway = await benchFanout('gateway', clients, rate, options)
    const raw = await benchFanout('raw ws', clients, rate, options)
    const ratio = (figure: 'deliveries_per_s' | 'deliveries_per_cpu_s') => {
      const [mine, theirs] = [gateway[figure], raw[figure]]
      return mine && theirs ? `${(mine / theirs).toFixed(2)}×` : '–'
    }
    for (const r of [gateway, raw]) {
      process.stdout.write(
        `  ${String(clients).padStart(5)} clients × ${String(rate).padStart(5)} msg/s ` +
          `${r.server.padEnd(7)}: ${r.deliveries_per_s.toLocaleString('en')} deliveries/s ` +
          `(${r.delivered}/${r.expected}), ` +
          `${r.deliveries_per_cpu_s?.toLocaleString('en') ?? '?'} per CPU-s (${r.server_cpu_s} s), ` +
          `p50 ${r.latency_p50_ms} ms, p99 ${r.latency_p99_ms} ms, ` +
          `slow closes ${r.slow_closes}, RSS ${r.server_rss_mb} MiB\n`
      )
    }
    process.stdout.write(
      `  ${''.padStart(31)}gateway ÷ raw: ${ratio('deliveries_per_s')} deliveries/s, ` +
        `${ratio('deliveries_per_cpu_s')} deliveries per CPU-s\n`
    )
    for (const r of [gateway, raw]) process.stdout.write(`  ${JSON.stringify(r)}\n`)
  }
  process.stdout.write(`  (${load()} at the end)\n`)
}

if (!only || only === 'spikes') {
  process.stdout.write('\nOI/volume spikes (one evaluation of every series, one redis-server)\n')
  // BENCH_SPIKE_SYMBOLS: symbols per exchange, comma-separated (600: a whole market × 4 venues)
  const sizes = (process.env.BENCH_SPIKE_SYMBOLS ?? '200,600').split(',').map(Number)
  for (const size of sizes) {
    const r = await benchSpikes(size)
    process.stdout.write(
      `  ${size} symbols × 4 exchanges, ${r.series.toLocaleString('en')} series: ` +
        `nothing new ${r.unchanged_ms} ms, ` +
        `a new value in every series ${r.all_new_ms} ms (median of ${r.runs}), ` +
        `every period closing ${r.all_close_ms} ms; aggregator CPU ${r.unchanged_cpu_ms} / ` +
        `${r.all_new_cpu_ms} ms\n`
    )
    process.stdout.write(`  ${JSON.stringify(r)}\n`)
  }
}

if (only === 'market') {
  const options = {
    warmupSeconds: Number(process.env.BENCH_MARKET_WARMUP_SECONDS ?? 60),
    seconds: Number(process.env.BENCH_MARKET_SECONDS ?? 60),
  }
  process.stdout.write(
    `\nwhole market (pnpm demo: simulated venues, every process on this machine; ` +
      `${options.warmupSeconds} s after every exchange serves its symbols, then ` +
      `${options.seconds} s measured; RSS at the end, CPU in % of one core)\n`
  )
  // BENCH_MARKET_RUNS: the SYMBOLS of each run, separated by `;`
  const runs = (process.env.BENCH_MARKET_RUNS ?? 'BTCUSDT,ETHUSDT;all').split(';')
  const results = []
  for (const symbols of runs) results.push(await benchMarket(symbols, options))
  for (const line of marketTable(results)) process.stdout.write(`  ${line}\n`)
  for (const r of results) process.stdout.write(`  ${JSON.stringify(r)}\n`)
  process.stdout.write(`  (${load()} at the end)\n`)
}
