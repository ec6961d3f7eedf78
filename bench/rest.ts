import { createKeys, createRedis, readCandles, readLatest } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import {
  benchFile,
  cpuSeconds,
  get,
  own,
  perCpuSecond,
  serverOf,
  spawnTs,
  startGatewayProcess,
  type Server,
} from './processes.ts'
import { freePort } from '@takashi/local-redis'
import { keepCacheAlive, ROUTES, seedCache, type RouteName } from './rest-data.ts'
import { runWrk, type WrkOptions, type WrkResult } from './wrk.ts'

export type RestServer =
  'gateway' | 'gateway, gzip/br asked' | 'bare http, memory' | 'bare http + redis'

export interface RestResult extends WrkResult {
  route: RouteName
  server: RestServer
  /** Content-Encoding of the gateway's answer when compression was asked for */
  content_encoding?: string
  /** CPU time of the server's process during the measured run */
  server_cpu_s: number | null
  /** CPU time of redis-server during the measured run */
  redis_cpu_s: number | null
  /** requests answered per CPU-second of the server's process (its capacity on a free core) */
  requests_per_cpu_s: number | null
  /** req/s over the bare server answering from memory */
  vs_memory: number | null
  /** req/s over the bare server doing the gateway's Redis reads */
  vs_redis: number | null
  /** requests per CPU-second, over the same bounds */
  cpu_vs_memory: number | null
  cpu_vs_redis: number | null
}

type Measured = Omit<RestResult, 'vs_memory' | 'vs_redis' | 'cpu_vs_memory' | 'cpu_vs_redis'>

export interface RestOptions {
  seconds: number
  warmupSeconds: number
  threads: number
  connections: number
  /** turns each server takes on each route; the figures are the medians */
  rounds: number
}

// The gateway as deployed, with the per-client REST limit on but out of reach: wrk's
// connections all come from 127.0.0.1, one client.
const GATEWAY_ENV = { RATE_LIMIT_PER_MINUTE: '100000000' }

/**
 * REST throughput of the real gateway (its own process) beside two bounds measured in the same
 * run on the same cached data: a bare node:http server answering the same bytes from memory, and
 * one doing the same Redis reads per request. One server runs at a time; wrk shares the machine.
 */
export async function benchRest(options: RestOptions): Promise<RestResult[]> {
  const redisServer = await startLocalRedis()
  own(redisServer.process)
  const keys = createKeys()
  const redis = createRedis(redisServer.url)
  const wrk: WrkOptions = {
    seconds: options.seconds,
    threads: options.threads,
    connections: options.connections,
  }
  const results: Measured[] = []
  try {
    await seedCache(redis, keys)
    const series = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' } as const
    const candles = await readCandles(redis, keys, series, { limit: 100 })
    if (!candles.covered) throw new Error('seeded candles are not a cache hit')
    // the bytes the cache holds, which every server must answer byte for byte
    const cached: Record<RouteName, string | null> = {
      ohlc: candles.body,
      open_interest: await readLatest(redis, keys, 'open-interest', 'binance', 'BTCUSDT'),
      funding_rate: await readLatest(redis, keys, 'funding-rate', 'binance', 'BTCUSDT'),
    }

    const starts: [RestServer, () => Promise<Server>][] = [
      ['gateway', () => startGatewayProcess(redisServer.url, GATEWAY_ENV)],
      ['bare http, memory', () => startBaseline('memory', redisServer.url)],
      ['bare http + redis', () => startBaseline('redis', redisServer.url)],
    ]
    // Every server runs for the whole benchmark (an idle one costs nothing) and the servers take
    // turns, round after round: a change in what else the machine does then touches them all
    // alike, and each figure is the median of its rounds.
    await keepCacheAlive(redis, keys)
    const servers: [RestServer, Server][] = []
    try {
      for (const [name, start] of starts) servers.push([name, await start()])
      for (const route of Object.keys(ROUTES) as RouteName[]) {
        const rounds = new Map<RestServer, Measured[]>()
        const record = (result: Measured) =>
          rounds.set(result.server, [...(rounds.get(result.server) ?? []), result])
        for (const [name, server] of servers) {
          await expectBody(server.url + ROUTES[route], cached[route], name)
          await runWrk(server.url + ROUTES[route], { ...wrk, seconds: options.warmupSeconds })
        }
        for (let round = 0; round < options.rounds; round++) {
          for (const [name, server] of servers) {
            const url = server.url + ROUTES[route]
            const redisPid = redisServer.process.pid ?? 0
            record({ route, server: name, ...(await measure(server, redisPid, url, wrk)) })
            if (name === 'gateway' && route === 'ohlc') {
              const headers = { 'Accept-Encoding': 'gzip, br' }
              const asked = await get(url, headers)
              const encoding = asked.headers['content-encoding']
              record({
                route,
                server: 'gateway, gzip/br asked',
                content_encoding: typeof encoding === 'string' ? encoding : 'identity',
                ...(await measure(server, redisPid, url, { ...wrk, headers })),
              })
            }
          }
        }
        for (const measured of rounds.values()) results.push(median(measured))
      }
    } finally {
      for (const [, server] of servers) await server.stop()
    }
  } finally {
    redis.disconnect()
    await redisServer.stop()
  }
  return results.map((result) => {
    const of = (server: RestServer) =>
      results.find((other) => other.route === result.route && other.server === server)
    const ratio = (bound: RestServer, figure: 'requests_per_s' | 'requests_per_cpu_s') => {
      const mine = result[figure]
      const theirs = of(bound)?.[figure]
      return mine && theirs ? Math.round((mine / theirs) * 100) / 100 : null
    }
    return {
      ...result,
      vs_memory: ratio('bare http, memory', 'requests_per_s'),
      vs_redis: ratio('bare http + redis', 'requests_per_s'),
      cpu_vs_memory: ratio('bare http, memory', 'requests_per_cpu_s'),
      cpu_vs_redis: ratio('bare http + redis', 'requests_per_cpu_s'),
    }
  })
}

/** The round with the median req/s (its latency and CPU figures come with it). */
function median(rounds: readonly Measured[]): Measured {
  const sorted = [...rounds].sort((a, b) => a.requests_per_s - b.requests_per_s)
  return sorted[Math.floor(sorted.length / 2)] as Measured
}

async function measure(server: Server, redisPid: number, url: string, wrk: WrkOptions) {
  const redisBefore = cpuSeconds(redisPid)
  const run = await perCpuSecond(
    server.pid,
    () => runWrk(url, wrk),
    (r) => r.requests
  )
  const redisAfter = cpuSeconds(redisPid)
  const ended = server.exited()
  if (ended !== null) throw new Error(`${url}: the server stopped during the run (${ended})`)
  const redisCpu =
    redisBefore === null || redisAfter === null
      ? null
      : Math.round((redisAfter - redisBefore) * 100) / 100
  return {
    ...run.result,
    server_cpu_s: run.cpu_s,
    redis_cpu_s: redisCpu,
    requests_per_cpu_s: run.per_cpu_s,
  }
}

async function startBaseline(mode: 'memory' | 'redis', redisUrl: string): Promise<Server> {
  const port = await freePort()
  const child = spawnTs(benchFile('rest-baseline.ts'), [mode, String(port), redisUrl])
  return serverOf(child, port, '/readyz')
}

async function expectBody(url: string, expected: string | null, server: string): Promise<void> {
  const answer = await get(url)
  if (answer.status !== 200 || expected === null || !answer.body.equals(Buffer.from(expected))) {
    throw new Error(
      `${server} ${url}: ${answer.status}, ${answer.body.length} bytes, not the cached ` +
        `${expected?.length ?? 0} bytes (a cache miss, or the body changed on the way)`
    )
  }
}

/** The results as a table, one line each. */
export function restTable(results: readonly RestResult[]): string[] {
  const ratio = (value: number | null) => (value === null ? '' : `${value.toFixed(2)}×`)
  const int = (value: number | null) => (value === null ? '' : value.toLocaleString('en'))
  const lines = [
    `  ${''.padEnd(38)} ${''.padStart(8)} ${''.padStart(9)} ${''.padStart(9)} ${''.padStart(6)} ` +
      `${'÷ bound (req/s)'.padStart(15)} ${'req per'.padStart(9)} ${'÷ bound (per CPU)'.padStart(17)}`,
    `  ${'route'.padEnd(14)} ${'server'.padEnd(23)} ${'req/s'.padStart(8)} ${'p50'.padStart(9)} ` +
      `${'p99'.padStart(9)} ${'bytes'.padStart(6)} ${'memory'.padStart(7)} ${'redis'.padStart(7)} ` +
      `${'CPU-s'.padStart(9)} ${'memory'.padStart(8)} ${'redis'.padStart(8)}`,
  ]
  for (const r of results) {
    const notes = [
      r.content_encoding !== undefined ? `encoding ${r.content_encoding}` : '',
      r.non_2xx > 0 ? `${r.non_2xx} non-2xx` : '',
      r.socket_errors > 0 ? `${r.socket_errors} socket errors` : '',
    ].filter(Boolean)
    lines.push(
      `  ${r.route.padEnd(14)} ${r.server.padEnd(23)} ${int(r.requests_per_s).padStart(8)} ` +
        `${`${r.p50_ms} ms`.padStart(9)} ${`${r.p99_ms} ms`.padStart(9)} ` +
        `${String(r.bytes_per_response).padStart(6)} ${ratio(r.vs_memory).padStart(7)} ` +
        `${ratio(r.vs_redis).padStart(7)} ${int(r.requests_per_cpu_s).padStart(9)} ` +
        `${ratio(r.cpu_vs_memory).padStart(8)} ${ratio(r.cpu_vs_redis).padStart(8)}` +
        `${notes.length ? `  (${notes.join(', ')})` : ''}`
    )
  }
  return lines
}
