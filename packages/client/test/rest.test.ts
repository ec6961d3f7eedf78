import { describe, expect } from 'vitest'
import { redisTest as test } from '@takashi/testing'
import { createClient, TakashiConnectionError, TakashiError } from '../src/node.ts'
import { MINUTE, startRestartableGateway, startStack } from './stack.ts'

describe('every REST route, typed, against the whole pipeline', () => {
  test('service, probe and market routes', async ({ redis, redisUrl, keys }) => {
    const stack = await startStack({ redis, redisUrl, keys })
    const client = stack.client()

    expect(await client.root()).toMatchObject({ name: 'takashi', exchanges: ['binance'] })
    const health = await client.health()
    expect(health.redis).toBe('ok')
    expect(health.exchanges.binance?.last_message_age_ms).not.toBeUndefined()
    expect(['ok', 'degraded']).toContain(health.status)
    expect(await client.livez()).toEqual({ status: 'ok' })
    expect(await client.readyz()).toEqual({ status: 'ok' })
    const [binance] = await client.exchanges()
    expect(binance).toMatchObject({ name: 'binance', capabilities: { liquidations: true } })

    await expect
      .poll(
        async () =>
          (await client.ohlc({ exchange: 'binance', symbol: 'BTCUSDT', interval: '1m', limit: 3 }))
            .length
      )
      .toBe(3)
    const candles = await client.ohlc({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      interval: '1m',
      start_time: stack.lastOpen - 5 * MINUTE,
      end_time: stack.lastOpen - 4 * MINUTE,
    })
    expect(candles.map((candle) => candle.timestamp)).toEqual([
      stack.lastOpen - 5 * MINUTE,
      stack.lastOpen - 4 * MINUTE,
    ])
    expect(candles[0]).toMatchObject({ exchange: 'binance', interval: '1m', closed: true })

    const oi = await client.openInterest({ exchange: 'binance', symbol: 'BTCUSDT' })
    expect(oi).toMatchObject({ symbol: 'BTCUSDT', open_interest: 80000.25 })
    const funding = await client.fundingRate({ exchange: 'binance', symbol: 'btcusdt' })
    expect(funding).toMatchObject({ funding_rate: 0.0001, mark_price: 64010.5 })

    const multi = await client.multiOhlc({
      symbol: 'BTCUSDT',
      interval: '1m',
      limit: 2,
      exchanges: ['binance'],
    })
    expect(multi).toMatchObject({ symbol: 'BTCUSDT', interval: '1m', errors: {} })
    expect(multi.exchanges.binance).toHaveLength(2)
    const multiOi = await client.multiOpenInterest({ symbol: 'BTCUSDT' })
    expect(multiOi.exchanges.binance?.open_interest).toBe(80000.25)
    expect(multiOi.total_open_interest_usd).toBeGreaterThan(0)
    const multiFunding = await client.multiFundingRate({ symbol: 'BTCUSDT', exchanges: 'binance' })
    expect(multiFunding.exchanges.binance?.funding_rate).toBe(0.0001)

    expect(await client.metrics()).toContain('takashi_gateway_http_requests_total')
    const document = await client.openApi()
    expect(document.openapi).toBe('3.1.0')
  })

  test('event feeds, filtered, newest first', async ({ redis, redisUrl, keys }) => {
    const stack = await startStack({ redis, redisUrl, keys })
    const client = stack.client()
    stack.liquidate(0.1)
    stack.liquidate(2)
    stack.trade(0.5) // $32k: under the large-trade floor
    stack.trade(3) // $192k
    await expect.poll(async () => (await client.liquidations()).length).toBe(2)
    const liquidations = await client.liquidations({ exchange: ['binance'], symbol: 'BTCUSDT' })
    expect(liquidations.map((record) => record.quantity)).toEqual([2, 0.1])
    expect(await client.liquidations({ min_value_usd: 10_000 })).toHaveLength(1)
    expect(await client.liquidations({ limit: 1 })).toEqual([liquidations[0]])
    await expect.poll(async () => (await client.largeTrades()).map((t) => t.quantity)).toEqual([3])
    expect(await client.oiSpikes({ timeframe: '5m' })).toEqual([])
  })
})

describe('errors carry the contract code and HTTP status', () => {
  test('400 names the parameter, 404 the unknown name', async ({ redis, redisUrl, keys }) => {
    const stack = await startStack({ redis, redisUrl, keys })
    const client = stack.client()
    const bad = await client
      .ohlc({ exchange: 'binance', symbol: 'BTCUSDT', interval: '1m', limit: 5000 })
      .catch((err: unknown) => err)
    expect(bad).toBeInstanceOf(TakashiError)
    expect(bad).toMatchObject({ status: 400, code: 'bad_request', retryAfter: undefined })
    expect((bad as TakashiError).message).toMatch(/^limit/)
    const unknown = await client
      .openInterest({ exchange: 'kraken', symbol: 'BTCUSDT' })
      .catch((err: unknown) => err)
    expect(unknown).toMatchObject({ status: 404, code: 'unknown_exchange' })
    expect((unknown as TakashiError).message).toContain('kraken')
    await expect(
      client.fundingRate({ exchange: 'binance', symbol: 'NOPEUSDT' })
    ).rejects.toMatchObject({ status: 404, code: 'unknown_symbol' })
  })

  test('429 rate_limited with Retry-After', async ({ redis, redisUrl, keys }) => {
    const stack = await startStack({ redis, redisUrl, keys }, { rateLimitPerMinute: 2 })
    const client = stack.client()
    await client.exchanges()
    await client.exchanges()
    const limited = await client.exchanges().catch((err: unknown) => err)
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', retryable: true })
    expect((limited as TakashiError).retryAfter).toBeGreaterThan(0)
    expect((limited as TakashiError).retryAfter).toBeLessThanOrEqual(60)
  })

  test('Redis away: health and readiness answer down (503) as bodies; data calls fail 503', async ({
    keys,
  }) => {
    const gateway = await startRestartableGateway({ redisUrl: 'redis://127.0.0.1:1', keys })
    const client = createClient({ baseUrl: gateway.url })
    expect(await client.health()).toMatchObject({ status: 'down', redis: 'down' })
    expect(await client.readyz()).toEqual({ status: 'not_ready' })
    const down = await client.liquidations().catch((err: unknown) => err)
    expect(down).toBeInstanceOf(TakashiError)
    expect(down).toMatchObject({ status: 503, code: 'backbone_unavailable', retryable: true })
  })

  test('an unreachable gateway is a connection error', async () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:1' })
    await expect(client.root()).rejects.toBeInstanceOf(TakashiConnectionError)
  })
})

describe('abort signals', () => {
  test('an aborted call rejects with the signal reason and leaves the client usable', async ({
    redisUrl,
    keys,
  }) => {
    // no ingestor: a candle window not in the cache waits for a fetch nobody makes (5 s)
    const gateway = await startRestartableGateway({ redisUrl, keys })
    const client = createClient({ baseUrl: gateway.url })
    const abort = new AbortController()
    abort.abort()
    await expect(client.root({ signal: abort.signal })).rejects.toMatchObject({
      name: 'AbortError',
    })

    const started = Date.now()
    const waiting = client.ohlc(
      { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m', limit: 5 },
      { signal: AbortSignal.timeout(100) }
    )
    await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(await client.livez()).toEqual({ status: 'ok' })
  })
})
