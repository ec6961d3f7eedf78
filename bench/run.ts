// `pnpm bench [parse|fanout|spikes]`: throughput, latency and memory figures (docs/benchmarks.md).
import { availableParallelism, totalmem } from 'node:os'
import { benchFanout } from './fanout.ts'
import { benchParse } from './parse.ts'
import { benchSpikes } from './spikes.ts'

const only = process.argv[2]
const machine = `${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`
process.stdout.write(`takashi benchmarks on ${machine}\n`)

if (!only || only === 'parse') {
  process.stdout.write('\nparse (pure adapter code, one core)\n')
  for (const result of benchParse()) {
    process.stdout.write(
      `  ${result.name.padEnd(22)} ${result.frames_per_s.toLocaleString('en')} frames/s\n`
    )
  }
}

if (!only || only === 'fanout') {
  process.stdout.write('\nfan-out (one gateway, clients on /ws/binance/BTCUSDT/trades)\n')
  const runs: [number, number][] = [
    [100, 1_000],
    [1_000, 100],
    [1_000, 500],
    [5_000, 20],
  ]
  for (const [clients, rate] of runs) {
    const r = await benchFanout(clients, rate)
    process.stdout.write(
      `  ${String(clients).padStart(5)} clients × ${String(rate).padStart(5)} msg/s: ` +
        `${r.deliveries_per_s.toLocaleString('en')} deliveries/s (${r.delivered}/${r.expected}), ` +
        `p50 ${r.latency_p50_ms} ms, p99 ${r.latency_p99_ms} ms, slow closes ${r.slow_closes}, ` +
        `gateway RSS ${r.gateway_rss_mb} MiB\n`
    )
    process.stdout.write(`  ${JSON.stringify(r)}\n`)
  }
}

if (!only || only === 'spikes') {
  process.stdout.write('\nOI/volume spikes (one evaluation of every series, one redis-server)\n')
  const r = await benchSpikes()
  process.stdout.write(
    `  ${r.series.toLocaleString('en')} series: nothing new ${r.unchanged_ms} ms, ` +
      `a new value in every series ${r.all_new_ms} ms (median of ${r.runs}), ` +
      `every period closing ${r.all_close_ms} ms\n`
  )
  process.stdout.write(`  ${JSON.stringify(r)}\n`)
}
