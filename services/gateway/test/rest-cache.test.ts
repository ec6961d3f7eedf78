import { Worker } from 'bullmq'
import { describe, expect } from 'vitest'
import {
  createRedis,
  markCandlesFrom,
  publishRecords,
  UPSTREAM_ERROR_PREFIX,
  busyFailure,
  type FetchRequest,
  type Keys,
} from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import {
  candle,
  fundingRate,
  metricValue,
  openInterest,
  perTest,
  type RunningGateway,
} from './helpers.ts'

const { cleanups, gateway } = perTest()
const gatewayFor = (ctx: { redisUrl: string; keys: Keys }, fetchTimeoutMs = 5_000) =>
  gateway(ctx, { fetchTimeoutMs })

/** A real BullMQ worker on the fetch queue, standing in for the Binance ingestor. */
function ingestor(
  ctx: { redisUrl: string; keys: Keys },
  handle: (request: FetchRequest) => Promise<unknown>
) {
  const connection = createRedis(ctx.redisUrl, { blocking: true })
  const worker = new Worker(
    ctx.keys.fetchQueue('binance'),
    (job) => handle(job.data as FetchRequest),
    { connection, prefix: ctx.keys.bullPrefix }
  )
  cleanups.push(async () => {
    await worker.close()
    connection.disconnect()
  })
  return worker
}

async function get(gateway: RunningGateway, path: string) {
  const res = await fetch(`${gateway.url}${path}`)
  return { status: res.status, text: await res.text() }
}

describe('REST from the cache', () => {
  redisTest(
    'ohlc answers exactly the cached candles, oldest first',
    async ({ redis, keys, redisUrl }) => {
      const candles = [0, 1, 2, 3, 4].map((i) =>
        candle(1_700_000_040_000 + i * 60_000, { close: 100 + i })
      )
      await publishRecords(
        redis,
        keys,
        candles.map((record) => ({ kind: 'ohlc' as const, record }))
      )
      await markCandlesFrom(
        redis,
        keys,
        { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' },
        candles[0]!.timestamp
      )
      const gateway = await gatewayFor({ redisUrl, keys })

      const newest = await get(gateway, '/binance/ohlc/BTCUSDT/1m?limit=3')
      expect(newest).toEqual({ status: 200, text: JSON.stringify(candles.slice(2)) })
      const window = await get(
        gateway,
        `/binance/ohlc/btcusdt/1m?start_time=${candles[1]!.timestamp}&end_time=${candles[2]!.timestamp}`
      )
      expect(window.text).toBe(JSON.stringify(candles.slice(1, 3)))
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_cache_requests_total', {
          kind: 'ohlc',
          result: 'hit',
        })
      ).toBe(2)
    }
  )

  redisTest(
    'open interest and funding rate answer the cached record',
    async ({ redis, keys, redisUrl }) => {
      const oi = openInterest()
      const funding = fundingRate()
      await publishRecords(redis, keys, [
        { kind: 'open_interest', record: oi },
        { kind: 'funding_rate', record: funding },
      ])
      const gateway = await gatewayFor({ redisUrl, keys })
      expect(await get(gateway, '/binance/open-interest/BTCUSDT')).toEqual({
        status: 200,
        text: JSON.stringify(oi),
      })
      expect(await get(gateway, '/binance/funding-rate/BTCUSDT')).toEqual({
        status: 200,
        text: JSON.stringify(funding),
      })
    }
  )
})

describe('REST cache misses (fetch jobs)', () => {
  redisTest(
    'a miss is answered by the ingestor; identical concurrent misses make one job',
    async ({ keys, redisUrl }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const requests: FetchRequest[] = []
      const answer = [candle(1_600_000_000_000), candle(1_600_000_060_000)]
      const oi = openInterest({ symbol: 'ETHUSDT' })
      ingestor({ redisUrl, keys }, async (request) => {
        requests.push(request)
        // answer once both misses have reached the gateway, so they overlap on a loaded machine too
        const misses = () =>
          metricValue(gateway.registry, 'takashi_gateway_cache_requests_total', {
            kind: 'ohlc',
            result: 'miss',
          })
        await expect.poll(misses, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
        return request.kind === 'ohlc' ? answer : oi
      })
      const path = '/binance/ohlc/BTCUSDT/5m?limit=2&start_time=1600000000000'
      const [first, second] = await Promise.all([get(gateway, path), get(gateway, path)])
      expect(first).toEqual({ status: 200, text: JSON.stringify(answer) })
      expect(second).toEqual(first)
      expect(requests).toEqual([
        {
          kind: 'ohlc',
          symbol: 'BTCUSDT',
          interval: '5m',
          limit: 2,
          start_time: 1_600_000_000_000,
        },
      ])
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_cache_requests_total', {
          kind: 'ohlc',
          result: 'miss',
        })
      ).toBe(2)

      const handled = requests.length
      expect(await get(gateway, '/binance/open-interest/ETHUSDT')).toEqual({
        status: 200,
        text: JSON.stringify(oi),
      })
      expect(requests.slice(handled)).toEqual([{ kind: 'open_interest', symbol: 'ETHUSDT' }])
    }
  )

  redisTest('no ingestor answering is a 504 upstream_timeout', async ({ keys, redisUrl }) => {
    const gateway = await gatewayFor({ redisUrl, keys }, 300)
    const res = await get(gateway, '/binance/funding-rate/BTCUSDT')
    expect(res.status).toBe(504)
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'upstream_timeout', message: 'binance did not answer within 300 ms' },
    })
  })

  redisTest(
    'a failed fetch is a 502 upstream_error with the exchange status, never its error body',
    async ({ keys, redisUrl }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      ingestor({ redisUrl, keys }, () => {
        throw new Error(
          `${UPSTREAM_ERROR_PREFIX} binance /fapi/v1/openInterest answered 500: {"msg":"/srv/app.js:12"}`
        )
      })
      const res = await get(gateway, '/binance/open-interest/BTCUSDT')
      expect(res.status).toBe(502)
      expect(JSON.parse(res.text)).toEqual({
        error: { code: 'upstream_error', message: 'binance answered HTTP 500' },
      })
    }
  )

  redisTest(
    'a request the exchange budget cannot take now is a 503 busy with Retry-After, not a 502',
    async ({ keys, redisUrl }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      ingestor({ redisUrl, keys }, () => {
        throw new Error(busyFailure(11_200))
      })
      const res = await fetch(`${gateway.url}/binance/open-interest/BTCUSDT`)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('12')
      expect(await res.json()).toEqual({
        error: {
          code: 'busy',
          message: 'binance has no request budget left for clients now; retry in 12 s',
        },
      })
    }
  )
})
