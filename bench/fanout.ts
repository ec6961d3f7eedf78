import type { ChildProcess } from 'node:child_process'
import { createKeys, createRedis } from '@takashi/bus'
import { freePort, startLocalRedis } from '@takashi/local-redis'
import {
  benchFile,
  cpuSeconds,
  own,
  peakRssMb,
  serverOf,
  spawnTs,
  startGatewayProcess,
  stopChild,
  type Server,
} from './processes.ts'

export type FanoutServer = 'gateway' | 'raw ws'

export interface FanoutOptions {
  seconds: number
  /** processes the clients are spread over */
  clientProcesses: number
}

export interface FanoutResult {
  server: FanoutServer
  clients: number
  rate: number
  seconds: number
  published: number
  delivered: number
  expected: number
  deliveries_per_s: number
  latency_p50_ms: number | null
  latency_p99_ms: number | null
  slow_closes: number
  server_rss_mb: number | null
  /** CPU time of the server's process from the first publish until the last delivery */
  server_cpu_s: number | null
  /** deliveries per CPU-second of the server's process (its capacity on a free core) */
  deliveries_per_cpu_s: number | null
}

interface ClientsReport {
  delivered: number
  slow_closes: number
  latencies: number[]
}

// The gateway as deployed, with the per-client limits out of reach: every client is 127.0.0.1.
const GATEWAY_ENV = {
  WS_MAX_CONNECTIONS_PER_CLIENT: '1000000',
  RATE_LIMIT_PER_MINUTE: '100000000',
}

/**
 * WebSocket fan-out of one server in its own process: the gateway (services/gateway/src/main.ts)
 * or the raw bound (bench/fanout-raw.ts). Raw-TCP readers in child processes hold C clients;
 * this process publishes ~300-byte trade records to the Redis channel at R messages/s.
 */
export async function benchFanout(
  server: FanoutServer,
  clients: number,
  rate: number,
  options: FanoutOptions
): Promise<FanoutResult> {
  const redisServer = await startLocalRedis()
  own(redisServer.process)
  const channel = createKeys().liveChannel('trades', 'binance', 'BTCUSDT')
  const publisher = createRedis(redisServer.url)
  let running: Server | undefined
  const readers: ChildProcess[] = []
  try {
    let path = '/ws/binance/BTCUSDT/trades'
    if (server === 'gateway') running = await startGatewayProcess(redisServer.url, GATEWAY_ENV)
    else {
      const port = await freePort()
      const child = spawnTs(benchFile('fanout-raw.ts'), [String(port), redisServer.url, channel])
      running = await serverOf(child, port, '/readyz')
      path = '/'
    }
    const wsUrl = `${running.url.replace('http', 'ws')}${path}`
    for (let i = 0; i < options.clientProcesses; i++) {
      const share = Math.floor(clients / options.clientProcesses)
      const count = i === 0 ? clients - share * (options.clientProcesses - 1) : share
      readers.push(spawnTs(benchFile('fanout-clients.ts'), [wsUrl, String(count)], {}, true))
    }
    await Promise.all(readers.map((reader) => ask(reader, 'ready', false)))
    for (let i = 0; i < 100; i++) {
      const [, subscribed] = (await publisher.pubsub('NUMSUB', channel)) as [string, number]
      if (subscribed > 0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }

    const cpuBefore = cpuSeconds(running.pid)
    const published = await publish(publisher, channel, rate, options.seconds)
    const expected = published * clients
    const total = async () => {
      const counts = await Promise.all(readers.map((reader) => ask<ClientsReport>(reader, 'count')))
      return counts.reduce((sum, count) => sum + count.delivered, 0)
    }
    // let the last messages arrive: until all are in, or nothing came for 400 ms, or 5 s
    let last = -1
    for (let waited = 0; waited < 5_000; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      const now = await total()
      if (now >= expected || now === last) break
      last = now
    }
    const cpuAfter = cpuSeconds(running.pid)
    const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore
    const rss = peakRssMb(running.pid)
    const reports = await Promise.all(readers.map((reader) => ask<ClientsReport>(reader, 'report')))
    const latencies = reports.flatMap((report) => report.latencies).sort((a, b) => a - b)
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? null
    const delivered = reports.reduce((sum, report) => sum + report.delivered, 0)
    return {
      server,
      clients,
      rate,
      seconds: options.seconds,
      published,
      delivered,
      expected,
      deliveries_per_s: Math.round(delivered / options.seconds),
      latency_p50_ms: pct(0.5),
      latency_p99_ms: pct(0.99),
      slow_closes: reports.reduce((sum, report) => sum + report.slow_closes, 0),
      server_rss_mb: rss,
      server_cpu_s: cpu === null ? null : Math.round(cpu * 100) / 100,
      deliveries_per_cpu_s: cpu ? Math.round(delivered / cpu) : null,
    }
  } finally {
    await Promise.all(readers.map((reader) => stopChild(reader, 2_000)))
    await running?.stop()
    publisher.disconnect()
    await redisServer.stop()
  }
}

/** Publishes trade records at `rate` a second for `seconds`, paced by elapsed time. */
async function publish(
  publisher: ReturnType<typeof createRedis>,
  channel: string,
  rate: number,
  seconds: number
): Promise<number> {
  const body = (n: number) =>
    `{"exchange":"binance","symbol":"BTCUSDT","timestamp":${Date.now()},"received_at":${Date.now()},"id":"binance:BTCUSDT:${n}","side":"buy","price":64000.1,"quantity":0.25,"value_usd":16000.025,"trade_id":"${n}"}`
  let published = 0
  const startedAt = Date.now()
  const end = startedAt + seconds * 1000
  // pace by elapsed time so timer drift does not lower the rate
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - startedAt) / 1000) * rate)
    const pipeline = publisher.pipeline()
    while (published < due) pipeline.publish(channel, body(published++))
    await pipeline.exec()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return published
}

/** Sends `{type}` (unless `send` is false) and resolves the reader's next `{type}` message. */
function ask<T>(reader: ChildProcess, type: string, send = true): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return
      reader.off('message', onMessage)
      reader.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code: number | null) => reject(new Error(`fan-out clients exited with ${code}`))
    reader.on('message', onMessage)
    reader.once('exit', onExit)
    if (send) reader.send({ type })
  })
}
