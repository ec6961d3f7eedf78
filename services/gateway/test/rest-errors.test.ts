import { afterEach, describe, expect } from 'vitest'
import { redisTest } from '@takashi/testing'
import { noLiquidationsView, startGateway, binanceView, type RunningGateway } from './helpers.ts'

let gateway: RunningGateway | undefined
afterEach(async () => {
  await gateway?.stop()
  gateway = undefined
})

async function get(path: string) {
  const res = await fetch(`${gateway?.url}${path}`)
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: await res.json(),
  }
}

const error = (code: string, message: string) => ({ error: { code, message } })

describe('REST errors (spec §4)', () => {
  redisTest(
    'unknown exchange, disabled exchange and unknown symbol are 404s naming them',
    async ({ redisUrl, keys }) => {
      const ctx = { redisUrl, keys }
      gateway = await startGateway(ctx)
      expect(await get('/kraken/ohlc/BTCUSDT/1m')).toEqual({
        status: 404,
        type: 'application/json; charset=utf-8',
        body: error('unknown_exchange', "unknown exchange 'kraken' (served: binance)"),
      })
      // okx is a known venue but not enabled here
      expect((await get('/okx/open-interest/BTCUSDT')).body).toEqual(
        error('unknown_exchange', "unknown exchange 'okx' (served: binance)")
      )
      expect(await get('/binance/funding-rate/DOGEUSDT')).toMatchObject({
        status: 404,
        body: error(
          'unknown_symbol',
          "unknown symbol 'DOGEUSDT' on binance (served: BTCUSDT, ETHUSDT)"
        ),
      })
      expect((await get('/binance/ohlc/XYZ/1m')).body).toMatchObject({
        error: { code: 'unknown_symbol' },
      })
    }
  )

  redisTest(
    'an interval the exchange lacks is a 400 listing the ones it has',
    async ({ redisUrl, keys }) => {
      const ctx = { redisUrl, keys }
      gateway = await startGateway(ctx, { exchanges: [binanceView, noLiquidationsView] })
      expect(await get('/hyperliquid/ohlc/BTC/3m')).toMatchObject({
        status: 400,
        body: error(
          'bad_request',
          "interval: '3m' is not served for hyperliquid; use one of 1m, 5m, 15m, 1h, 4h, 1d"
        ),
      })
      expect((await get('/binance/ohlc/BTCUSDT/7m')).body).toEqual(
        error(
          'bad_request',
          "interval: '7m' is not served for binance; use one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d"
        )
      )
    }
  )

  redisTest('bad limit and times name the parameter', async ({ redisUrl, keys }) => {
    const ctx = { redisUrl, keys }
    gateway = await startGateway(ctx)
    const limit = error('bad_request', 'limit: must be an integer from 1 to 1000')
    for (const value of ['0', '1001', 'abc', '1.5', '-3']) {
      expect(await get(`/binance/ohlc/BTCUSDT/1m?limit=${value}`)).toMatchObject({
        status: 400,
        body: limit,
      })
    }
    expect((await get('/binance/ohlc/BTCUSDT/1m?limit=5&limit=6')).body).toEqual(
      error('bad_request', 'limit: must be given once')
    )
    expect(await get('/binance/ohlc/BTCUSDT/1m?start_time=yesterday')).toMatchObject({
      status: 400,
      body: error(
        'bad_request',
        'start_time: must be a time in integer milliseconds since the Unix epoch'
      ),
    })
    expect((await get('/binance/ohlc/BTCUSDT/1m?end_time=1.5')).body).toMatchObject({
      error: { code: 'bad_request', message: expect.stringMatching(/^end_time: /) as unknown },
    })
    expect(await get('/binance/ohlc/BTCUSDT/1m?start_time=2000&end_time=1000')).toMatchObject({
      status: 400,
      body: error('bad_request', 'start_time: must not be after end_time'),
    })
  })

  redisTest('unknown routes are 404 not_found', async ({ redisUrl, keys }) => {
    const ctx = { redisUrl, keys }
    gateway = await startGateway(ctx)
    expect(await get('/nope')).toEqual({
      status: 404,
      type: 'application/json; charset=utf-8',
      body: error('not_found', 'no route GET /nope'),
    })
    expect((await get('/binance/candles/BTCUSDT')).body).toEqual(
      error('not_found', 'no route GET /binance/candles/BTCUSDT')
    )
  })

  redisTest('an unreachable backbone is a 503 backbone_unavailable', async ({ redisUrl, keys }) => {
    const ctx = { redisUrl, keys }
    gateway = await startGateway({ redisUrl: 'redis://127.0.0.1:1', keys: ctx.keys })
    expect(await get('/binance/open-interest/BTCUSDT')).toEqual({
      status: 503,
      type: 'application/json; charset=utf-8',
      body: error('backbone_unavailable', 'the Redis backbone is unavailable'),
    })
  })
})
