import { spawn } from 'node:child_process'
import { Registry } from 'prom-client'
import { createKeys } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import { createGateway } from '../services/gateway/src/gateway.ts'

export interface FanoutResult {
  clients: number
  rate: number
  deliveries_per_s: number
  delivered: number
  expected: number
  latency_p50_ms: number | null
  latency_p99_ms: number | null
  slow_closes: number
  gateway_rss_mb: number
}

/**
 * WebSocket fan-out of one gateway: clients and publisher run in a child process; the gateway
 * (this process) routes each Redis message to every client of the trades stream.
 */
export async function benchFanout(
  clients: number,
  rate: number,
  seconds = 5
): Promise<FanoutResult> {
  const redis = await startLocalRedis()
  const keys = createKeys('bench')
  const binance = adapters.binance
  if (!binance) throw new Error('no binance adapter')
  const gateway = createGateway({
    redisUrl: redis.url,
    keys,
    log: createLogger({ service: 'bench', level: 'silent' }),
    registry: new Registry(),
    exchanges: [binance],
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
    fetchTimeoutMs: 1_000,
  })
  const port = await gateway.listen(0)
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./fanout-clients.ts', import.meta.url).pathname,
        `ws://127.0.0.1:${port}/ws/binance/BTCUSDT/trades`,
        redis.url,
        keys.liveChannel('trades', 'binance', 'BTCUSDT'),
        String(clients),
        String(rate),
        String(seconds),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    )
    let output = ''
    let peakRss = process.memoryUsage().rss
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200)
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    clearInterval(sampler)
    if (code !== 0) throw new Error(`fan-out clients exited with ${code}`)
    const figures = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Omit<
      FanoutResult,
      'gateway_rss_mb'
    >
    return { ...figures, gateway_rss_mb: Math.round(peakRss / 2 ** 20) }
  } finally {
    await gateway.stop()
    await redis.stop()
  }
}
