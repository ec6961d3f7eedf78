import { describe, expect, test } from 'vitest'
import { Registry } from 'prom-client'
import { createKeys } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import { createGateway } from '@takashi/gateway'

const statusOf = (url: string) =>
  fetch(url).then(
    (res) => res.status,
    () => 0
  )

describe('gateway probes', () => {
  test('/livez stays 200 while /readyz follows the Redis connection: 503 when Redis goes away', async () => {
    const redis = await startLocalRedis()
    const gateway = createGateway({
      redisUrl: redis.url,
      keys: createKeys('probes'),
      log: createLogger({ service: 'gateway', level: 'silent' }),
      registry: new Registry(),
      exchanges: [adapters.binance!],
      symbols: ['BTCUSDT'],
      intervals: ['1m'],
      fetchTimeoutMs: 1_000,
    })
    try {
      const base = `http://127.0.0.1:${await gateway.listen(0)}`
      await expect.poll(() => statusOf(`${base}/readyz`)).toBe(200)
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ok' })
      expect(await statusOf(`${base}/livez`)).toBe(200)

      await redis.stop()
      await expect.poll(() => statusOf(`${base}/readyz`), { timeout: 10_000 }).toBe(503)
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'not_ready' })
      expect(await statusOf(`${base}/livez`)).toBe(200)
      expect(await statusOf(`${base}/health`)).toBe(503)
    } finally {
      await gateway.stop()
      await redis.stop()
    }
  })
})
