import { Worker } from 'bullmq'
import { describe, expect } from 'vitest'
import {
  createRedis,
  markCandlesFrom,
  publishRecords,
  type FetchRequest,
  type Keys,
} from '@takashi/bus'
import { adapters } from '@takashi/exchanges'
import type { ExchangeId } from '@takashi/schemas'
import { redisTest as test } from '@takashi/testing'
import type { ExchangeView } from '../src/catalog.ts'
import { candle, fundingRate, metricValue, openInterest, perTest } from './helpers.ts'

const { cleanups, gateway: startReplica } = perTest()

/** Each exchange's part of a multi answer is bounded by min(FETCH_TIMEOUT_MS, 3 s): here 1.5 s. */
const FETCH_TIMEOUT_MS = 1_500

/** A third venue shaped like OKX (native `BTC-USDT-SWAP`), for a three-exchange answer. */
const okxLike: ExchangeView = {
  id: 'okx',
  capabilities: {
    ohlc: true,
    open_interest: true,
    funding_rate: true,
    liquidations: true,
    large_trades: true,
    trades: true,
  },
  intervals: ['1m', '5m', '15m', '1h', '4h', '6h', '1d'],
  toNative: (symbol) => (symbol.endsWith('USDT') ? `${symbol.slice(0, -4)}-USDT-SWAP` : null),
  fromNative: (native) => {
    const match = /^([A-Z0-9]+)-USDT-SWAP$/.exec(native)
    return match ? `${match[1]}USDT` : null
  },
}

/** A venue that publishes no open interest (it must be left out by default). */
const noOpenInterest: ExchangeView = {
  ...okxLike,
  id: 'bybit',
  capabilities: { ...okxLike.capabilities, open_interest: false },
  toNative: (symbol) => symbol,
  fromNative: () => null,
}

/** A real BullMQ worker standing in for one exchange's ingestor. */
function ingestor(
  ctx: { redisUrl: string; keys: Keys },
  exchange: ExchangeId,
  handle: (request: FetchRequest) => Promise<unknown>
) {
  const connection = createRedis(ctx.redisUrl, { blocking: true })
  const worker = new Worker(
    ctx.keys.fetchQueue(exchange),
    (job) => handle(job.data as FetchRequest),
    {
      connection,
      prefix: ctx.keys.bullPrefix,
    }
  )
  cleanups.push(async () => {
    await worker.close(true)
    connection.disconnect()
  })
}

const never = () => new Promise<never>(() => {})

async function start(ctx: { redisUrl: string; keys: Keys }, exchanges: ExchangeView[]) {
  const gateway = await startReplica(ctx, { exchanges, fetchTimeoutMs: FETCH_TIMEOUT_MS })
  const get = async (path: string) => {
    const started = performance.now()
    const res = await fetch(`${gateway.url}${path}`)
    const body = (await res.json()) as Record<string, unknown> & {
      exchanges: Record<string, unknown>
      errors: Record<string, string>
      error: { code: string; message: string }
    }
    return { status: res.status, body, ms: performance.now() - started }
  }
  return { get, registry: gateway.registry }
}

const threeVenues = [adapters.binance!, adapters.hyperliquid!, okxLike]

describe('multi-exchange routes', () => {
  test('open interest: one cached, one fetched, one silent — summed in USD within the bound', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    await publishRecords(redis, keys, [
      { kind: 'open_interest', record: openInterest({ open_interest_usd: 8e9 }) },
    ])
    ingestor({ redisUrl, keys }, 'hyperliquid', (request) =>
      Promise.resolve(
        openInterest({
          exchange: 'hyperliquid',
          symbol: request.symbol,
          open_interest: 20_000,
          open_interest_usd: 2.5e9,
        })
      )
    )
    ingestor({ redisUrl, keys }, 'okx', never)
    const { get, registry } = await start({ redisUrl, keys }, threeVenues)

    const { status, body, ms } = await get('/multi/open-interest/BTCUSDT')
    expect(status).toBe(200)
    expect(body).toEqual({
      symbol: 'BTCUSDT',
      total_open_interest_usd: 1.05e10,
      exchanges: {
        binance: openInterest({ open_interest_usd: 8e9 }),
        hyperliquid: expect.objectContaining({
          exchange: 'hyperliquid',
          open_interest: 20_000,
        }) as unknown,
      },
      errors: { okx: expect.stringMatching(/within 1500 ms$/) as string },
    })
    // the silent exchange held the answer for its bound, not longer
    expect(ms).toBeGreaterThanOrEqual(FETCH_TIMEOUT_MS - 50)
    expect(ms).toBeLessThan(FETCH_TIMEOUT_MS + 1_000)
    // each part is served like the single-exchange route: a hit, then misses handed to a job
    expect(
      await metricValue(registry, 'takashi_gateway_cache_requests_total', {
        kind: 'open_interest',
        result: 'hit',
      })
    ).toBe(1)
    expect(
      await metricValue(registry, 'takashi_gateway_cache_requests_total', {
        kind: 'open_interest',
        result: 'miss',
      })
    ).toBe(2)
  })

  test('funding: a failing exchange lands in errors, parts keep the order asked', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    await publishRecords(redis, keys, [{ kind: 'funding_rate', record: fundingRate() }])
    ingestor({ redisUrl, keys }, 'hyperliquid', () =>
      Promise.reject(new Error('upstream: hyperliquid answered 500'))
    )
    ingestor({ redisUrl, keys }, 'okx', (request) =>
      Promise.resolve(
        fundingRate({ exchange: 'okx', symbol: request.symbol, funding_rate: -0.0002 })
      )
    )
    const { get } = await start({ redisUrl, keys }, threeVenues)

    // OKX's native form names the symbol for every exchange asked
    const { status, body, ms } = await get(
      '/multi/funding-rate/BTC-USDT-SWAP?exchanges=okx,binance,hyperliquid'
    )
    expect(status).toBe(200)
    expect(Object.keys(body.exchanges)).toEqual(['okx', 'binance'])
    expect(body).toMatchObject({
      symbol: 'BTCUSDT',
      exchanges: { okx: { funding_rate: -0.0002 }, binance: { funding_rate: 0.0001 } },
    })
    expect(body.errors).toEqual({ hyperliquid: expect.stringContaining('500') as string })
    expect(ms).toBeLessThan(FETCH_TIMEOUT_MS)
  })

  test('total_open_interest_usd adds only known values, null when none is known', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    await publishRecords(redis, keys, [
      { kind: 'open_interest', record: openInterest({ open_interest_usd: null }) },
      {
        kind: 'open_interest',
        record: openInterest({ exchange: 'okx', open_interest: 1_000, open_interest_usd: 1e8 }),
      },
    ])
    ingestor({ redisUrl, keys }, 'hyperliquid', (request) =>
      Promise.resolve(
        openInterest({ exchange: 'hyperliquid', symbol: request.symbol, open_interest_usd: 0.25e8 })
      )
    )
    const { get } = await start({ redisUrl, keys }, [...threeVenues, noOpenInterest])

    const all = await get('/multi/open-interest/BTCUSDT')
    expect(all.body.total_open_interest_usd).toBe(1.25e8)
    expect(Object.keys(all.body.exchanges)).toEqual(['binance', 'hyperliquid', 'okx'])
    // the default leaves out an exchange without the capability; naming it makes it an error
    expect(all.body.errors).toEqual({})
    const named = await get('/multi/open-interest/BTCUSDT?exchanges=binance,bybit')
    expect(named.body).toEqual({
      symbol: 'BTCUSDT',
      total_open_interest_usd: null,
      exchanges: { binance: openInterest({ open_interest_usd: null }) },
      errors: { bybit: 'bybit publishes no open-interest data' },
    })
    const none = await get('/multi/open-interest/BTCUSDT?exchanges=bybit')
    expect(none.body).toMatchObject({ total_open_interest_usd: null, exchanges: {} })
  })

  test('candles: cached, fetched and an interval one exchange lacks', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const cached = [0, 1, 2].map((i) => candle(1_700_000_040_000 + i * 60_000))
    await publishRecords(
      redis,
      keys,
      cached.map((record) => ({ kind: 'ohlc' as const, record }))
    )
    await markCandlesFrom(
      redis,
      keys,
      { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' },
      cached[0]!.timestamp
    )
    const asked: FetchRequest[] = []
    ingestor({ redisUrl, keys }, 'okx', (request) => {
      asked.push(request)
      const interval = request.kind === 'ohlc' ? request.interval : '1m'
      return Promise.resolve([
        candle(0, { exchange: 'okx', interval }),
        candle(60_000, { exchange: 'okx', interval }),
      ])
    })
    const { get } = await start({ redisUrl, keys }, threeVenues)

    const oneMinute = await get('/multi/ohlc/BTCUSDT/1m?limit=2&exchanges=binance,okx')
    expect(oneMinute.status).toBe(200)
    expect(oneMinute.body).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      exchanges: {
        binance: cached.slice(1),
        okx: [candle(0, { exchange: 'okx' }), candle(60_000, { exchange: 'okx' })],
      },
      errors: {},
    })
    expect(asked).toEqual([expect.objectContaining({ kind: 'ohlc', interval: '1m', limit: 2 })])

    // Hyperliquid has no 6h candles: its part is an error, the others still answer
    const sixHours = await get('/multi/ohlc/btcusdt/6h?limit=2')
    expect(sixHours.status).toBe(200)
    expect(sixHours.body.errors).toMatchObject({ hyperliquid: 'hyperliquid has no 6h candles' })
    expect(Object.keys(sixHours.body.exchanges)).toContain('okx')
  })

  test('bad requests: an interval nobody has, unknown exchange or symbol, bad limit', async ({
    keys,
    redisUrl,
  }) => {
    const { get } = await start({ redisUrl, keys }, threeVenues)

    const nobody = await get('/multi/ohlc/BTCUSDT/6h?exchanges=hyperliquid')
    expect(nobody.status).toBe(400)
    expect(nobody.body.error).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(/^interval: .*use one of 1m, .*1h/) as string,
    })
    expect((await get('/multi/ohlc/BTCUSDT/7m')).body.error.message).toMatch(/^interval: /)
    expect((await get('/multi/ohlc/BTCUSDT/1m?limit=0')).body.error.message).toMatch(/^limit: /)

    const unknown = await get('/multi/open-interest/BTCUSDT?exchanges=binance,kraken')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatchObject({
      code: 'unknown_exchange',
      message: expect.stringContaining("'kraken'") as string,
    })
    const symbol = await get('/multi/funding-rate/DOGEUSDT')
    expect(symbol.status).toBe(404)
    expect(symbol.body.error).toMatchObject({
      code: 'unknown_symbol',
      message: expect.stringContaining('DOGEUSDT') as string,
    })
  })

  test('the routes and their bodies are in /openapi.json', async ({ keys, redisUrl }) => {
    const { get } = await start({ redisUrl, keys }, threeVenues)
    const openapi = (await get('/openapi.json')).body as unknown as {
      paths: Record<string, unknown>
      components: { schemas: Record<string, unknown> }
    }
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/multi/ohlc/{symbol}/{interval}',
        '/multi/open-interest/{symbol}',
        '/multi/funding-rate/{symbol}',
      ])
    )
    expect(Object.keys(openapi.components.schemas)).toEqual(
      expect.arrayContaining(['MultiOhlc', 'MultiOpenInterest', 'MultiFundingRate'])
    )
  })
})
