import { describe, expect } from 'vitest'
import type { Keys } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import { append, largeTrade, liquidation, oiSpike, subscribers } from './feed-helpers.ts'
import { binanceView, noLiquidationsView, perTest, refusedUpgrade } from './helpers.ts'

const { gateway: startReplica, client } = perTest()
const gatewayFor = (ctx: { redisUrl: string; keys: Keys }) =>
  startReplica(ctx, { exchanges: [binanceView, noLiquidationsView] })

async function channelsOf(redis: { pubsub(...args: string[]): Promise<unknown> }, keys: Keys) {
  return ((await redis.pubsub('CHANNELS', `${keys.prefix}:feed-live:*`)) as string[]).sort()
}

describe('cross-exchange event streams (spec §5)', () => {
  redisTest(
    '/ws/liquidations covers every exchange that publishes liquidations, and only those',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const { messages } = await client(gateway, '/ws/liquidations')
      const expected = [
        keys.feedChannel('liquidations', 'binance', 'BTCUSDT'),
        keys.feedChannel('liquidations', 'binance', 'ETHUSDT'),
      ].sort()
      await expect.poll(() => channelsOf(redis, keys)).toEqual(expected)

      const btc = await append(redis, keys, 'liquidations', liquidation())
      const eth = await append(redis, keys, 'liquidations', liquidation({ symbol: 'ETHUSDT' }))
      await expect.poll(() => messages).toEqual([btc.body, eth.body])
    }
  )

  redisTest(
    '/ws/large-trades filters by exchanges, symbols (native too) and min_value_usd',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const hyperBtc = await client(gateway, '/ws/large-trades?exchanges=hyperliquid&symbols=BTC')
      const big = await client(gateway, '/ws/large-trades?min_value_usd=250000')
      const both = await client(
        gateway,
        '/ws/large-trades?exchanges=binance,hyperliquid&symbols=ETHUSDT'
      )
      const channels = ['binance', 'hyperliquid'].flatMap((ex) =>
        ['BTCUSDT', 'ETHUSDT'].map((sym) => keys.feedChannel('large-trades', ex as 'binance', sym))
      )
      await expect.poll(() => subscribers(redis, channels)).toEqual([1, 1, 1, 1])

      const events = [
        await append(redis, keys, 'large-trades', largeTrade()),
        await append(redis, keys, 'large-trades', largeTrade({ exchange: 'hyperliquid' })),
        await append(redis, keys, 'large-trades', largeTrade({ value_usd: 300_000 })),
        await append(redis, keys, 'large-trades', largeTrade({ symbol: 'ETHUSDT' })),
        await append(
          redis,
          keys,
          'large-trades',
          largeTrade({ exchange: 'hyperliquid', symbol: 'ETHUSDT', value_usd: 250_000 })
        ),
      ]
      const bodies = (...i: number[]) => i.map((n) => events[n]!.body)
      await expect.poll(() => big.messages).toEqual(bodies(2, 4))
      await expect.poll(() => both.messages).toEqual(bodies(3, 4))
      await expect.poll(() => hyperBtc.messages).toEqual(bodies(1))
    }
  )

  redisTest('/ws/oi-spikes filters by timeframe', async ({ redis, redisUrl, keys }) => {
    const gateway = await gatewayFor({ redisUrl, keys })
    const hourly = await client(gateway, '/ws/oi-spikes?timeframe=1h&symbols=BTCUSDT')
    const all = await client(gateway, '/ws/oi-spikes')
    const channels = [
      keys.feedChannel('oi-spikes', 'hyperliquid', 'BTCUSDT'),
      keys.feedChannel('oi-spikes', 'binance', 'BTCUSDT'),
      keys.feedChannel('oi-spikes', 'binance', 'ETHUSDT'),
    ]
    await expect.poll(() => subscribers(redis, channels)).toEqual([1, 1, 1])

    const five = await append(redis, keys, 'oi-spikes', oiSpike({ exchange: 'hyperliquid' }))
    const hour = await append(redis, keys, 'oi-spikes', oiSpike({ timeframe: '1h' }))
    const eth = await append(
      redis,
      keys,
      'oi-spikes',
      oiSpike({ symbol: 'ETHUSDT', timeframe: '1h' })
    )
    await expect.poll(() => all.messages).toEqual([five.body, hour.body, eth.body])
    await expect.poll(() => hourly.messages).toEqual([hour.body])
  })

  redisTest('bad names and parameters are refused at the upgrade', async ({ redisUrl, keys }) => {
    const gateway = await gatewayFor({ redisUrl, keys })
    const error = (code: string, message: string) => ({ error: { code, message } })
    const cases: [string, number, unknown][] = [
      [
        '/ws/liquidations?exchanges=hyperliquid',
        404,
        error('not_found', 'hyperliquid publishes no liquidations data'),
      ],
      [
        '/ws/liquidations?exchanges=binance,kraken',
        404,
        error('unknown_exchange', "unknown exchange 'kraken' (served: binance, hyperliquid)"),
      ],
      [
        '/ws/large-trades?symbols=BTCUSDT,DOGE',
        404,
        error('unknown_symbol', "unknown symbol 'DOGE' (served: BTCUSDT, ETHUSDT)"),
      ],
      [
        '/ws/large-trades?min_value_usd=lots',
        400,
        error('bad_request', 'min_value_usd: must be a number ≥ 0'),
      ],
      [
        '/ws/oi-spikes?timeframe=1d',
        400,
        error('bad_request', "timeframe: '1d' is not one of 5m, 15m, 1h"),
      ],
      [
        '/ws/liquidations?since_id=yesterday',
        400,
        error('bad_request', "since_id: 'yesterday' is not an event id (e.g. 1700000000000-0)"),
      ],
      [
        '/ws/binance/BTCUSDT/large-trades?since_id=1-2-3',
        400,
        error('bad_request', "since_id: '1-2-3' is not an event id (e.g. 1700000000000-0)"),
      ],
      [
        '/ws/binance/BTCUSDT/trades?since_id=1-0',
        400,
        error('bad_request', 'since_id: trades is not an event stream and cannot resume'),
      ],
      ['/ws/funding', 404, error('not_found', 'no stream /ws/funding')],
    ]
    for (const [path, status, body] of cases) {
      expect({ path, ...(await refusedUpgrade(`${gateway.wsUrl}${path}`)) }).toEqual({
        path,
        status,
        body,
      })
    }
  })
})
