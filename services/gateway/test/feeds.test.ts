import { describe, expect } from 'vitest'
import type { Keys } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import { append, largeTrade, liquidation, oiSpike } from './feed-helpers.ts'
import { binanceView, noLiquidationsView, perTest, type RunningGateway } from './helpers.ts'

const { gateway: startReplica } = perTest()
const gatewayFor = (ctx: { redisUrl: string; keys: Keys }) =>
  startReplica(ctx, { exchanges: [binanceView, noLiquidationsView] })

async function get(gateway: RunningGateway, path: string) {
  const res = await fetch(`${gateway.url}${path}`)
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }
}

const error = (code: string, message: string) => ({ error: { code, message } })

describe('REST event feeds (spec §4)', () => {
  redisTest(
    '/liquidations: newest first, filtered by exchange, symbol and min_value_usd, limited',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const a = await append(redis, keys, 'liquidations', liquidation({ value_usd: 500 }))
      const b = await append(redis, keys, 'liquidations', liquidation({ symbol: 'ETHUSDT' }))
      const c = await append(redis, keys, 'liquidations', liquidation({ value_usd: 50_000 }))

      const all = await get(gateway, '/liquidations')
      expect(all.status).toBe(200)
      expect(all.type).toMatch(/^application\/json/)
      // The feed's bytes, unchanged, newest first.
      expect(all.text).toBe(`[${c.body},${b.body},${a.body}]`)
      expect((await get(gateway, '/liquidations?symbol=btcusdt')).text).toBe(
        `[${c.body},${a.body}]`
      )
      expect((await get(gateway, '/liquidations?min_value_usd=10000')).text).toBe(
        `[${c.body},${b.body}]`
      )
      expect((await get(gateway, '/liquidations?exchange=binance&limit=1')).text).toBe(
        `[${c.body}]`
      )
      expect((await get(gateway, '/liquidations?symbol=ETHUSDT&min_value_usd=20000')).text).toBe(
        '[]'
      )
    }
  )

  redisTest(
    '/large-trades: exchanges apart, native symbols, and limit across many events',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const appended = []
      for (let i = 0; i < 150; i++) {
        const exchange = i % 3 === 0 ? 'hyperliquid' : 'binance'
        appended.push(await append(redis, keys, 'large-trades', largeTrade({ exchange })))
      }
      const hyper = appended.filter((_, i) => i % 3 === 0).reverse()
      const res = await get(gateway, '/large-trades?exchange=hyperliquid&symbol=BTC&limit=30')
      expect(res.text).toBe(
        `[${hyper
          .slice(0, 30)
          .map((e) => e.body)
          .join(',')}]`
      )
      const defaults = JSON.parse((await get(gateway, '/large-trades')).text) as unknown[]
      expect(defaults).toHaveLength(100)
      expect(defaults[0]).toEqual(JSON.parse(appended.at(-1)!.body))
    }
  )

  redisTest('/oi-spikes: filtered by timeframe', async ({ redis, redisUrl, keys }) => {
    const gateway = await gatewayFor({ redisUrl, keys })
    const five = await append(redis, keys, 'oi-spikes', oiSpike())
    const hour = await append(redis, keys, 'oi-spikes', oiSpike({ timeframe: '1h', z_score: 2.4 }))
    const other = await append(redis, keys, 'oi-spikes', oiSpike({ exchange: 'hyperliquid' }))
    expect((await get(gateway, '/oi-spikes')).text).toBe(
      `[${other.body},${hour.body},${five.body}]`
    )
    expect((await get(gateway, '/oi-spikes?timeframe=5m&exchange=binance')).text).toBe(
      `[${five.body}]`
    )
    expect((await get(gateway, '/oi-spikes?timeframe=1h')).text).toBe(`[${hour.body}]`)
  })

  redisTest(
    'bad parameters are 400s naming them; unknown names are 404s',
    async ({ redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const cases: [string, number, unknown][] = [
        [
          '/liquidations?limit=0',
          400,
          error('bad_request', 'limit: must be an integer from 1 to 1000'),
        ],
        [
          '/large-trades?limit=abc',
          400,
          error('bad_request', 'limit: must be an integer from 1 to 1000'),
        ],
        [
          '/liquidations?min_value_usd=-5',
          400,
          error('bad_request', 'min_value_usd: must be a number ≥ 0'),
        ],
        [
          '/oi-spikes?timeframe=4h',
          400,
          error('bad_request', "timeframe: '4h' is not one of 5m, 15m, 1h"),
        ],
        [
          '/liquidations?exchange=binance,',
          400,
          error('bad_request', 'exchange: has an empty item'),
        ],
        [
          '/liquidations?exchange=kraken',
          404,
          error('unknown_exchange', "unknown exchange 'kraken' (served: binance, hyperliquid)"),
        ],
        [
          '/large-trades?symbol=DOGEUSDT',
          404,
          error('unknown_symbol', "unknown symbol 'DOGEUSDT' (served: BTCUSDT, ETHUSDT)"),
        ],
        [
          '/large-trades?exchange=binance&symbol=DOGEUSDT',
          404,
          error(
            'unknown_symbol',
            "unknown symbol 'DOGEUSDT' on binance (served: BTCUSDT, ETHUSDT)"
          ),
        ],
        [
          '/liquidations?exchange=hyperliquid',
          404,
          error('not_found', 'hyperliquid publishes no liquidations data'),
        ],
      ]
      for (const [path, status, body] of cases) {
        const res = await get(gateway, path)
        expect({ path, status: res.status, body: JSON.parse(res.text) as unknown }).toEqual({
          path,
          status,
          body,
        })
      }
    }
  )

  redisTest('the feed routes are in /openapi.json', async ({ redisUrl, keys }) => {
    const gateway = await gatewayFor({ redisUrl, keys })
    const doc = JSON.parse((await get(gateway, '/openapi.json')).text) as {
      paths: Record<string, { get: { parameters: { name: string }[]; responses: object } }>
    }
    for (const [path, record] of [
      ['/liquidations', 'Liquidation'],
      ['/large-trades', 'LargeTrade'],
      ['/oi-spikes', 'OISpike'],
    ] as const) {
      const op = doc.paths[path]?.get
      expect(op?.parameters.map((p) => p.name)).toContain('limit')
      expect(JSON.stringify(op?.responses)).toContain(`#/components/schemas/${record}`)
    }
  })
})
