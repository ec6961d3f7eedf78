import { describe, expect } from 'vitest'
import { appendToFeed, publishRecords, type Keys } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import {
  binanceView,
  candle,
  connect,
  metricValue,
  noLiquidationsView,
  openInterest,
  perTest,
  refusedUpgrade,
  startGateway,
  trade,
} from './helpers.ts'

const { gateway: gatewayFor, client } = perTest()

async function channels(redis: { pubsub(...args: string[]): Promise<unknown> }, keys: Keys) {
  return ((await redis.pubsub('CHANNELS', `${keys.prefix}:*`)) as string[]).sort()
}

describe('WebSocket path streams', () => {
  redisTest(
    'a published trade reaches clients on every replica',
    async ({ redis, redisUrl, keys }) => {
      const replicas = [await gatewayFor({ redisUrl, keys }), await gatewayFor({ redisUrl, keys })]
      const clients = await Promise.all(
        replicas.map((gw) => client(gw, '/ws/binance/BTCUSDT/trades'))
      )
      const channel = keys.liveChannel('trades', 'binance', 'BTCUSDT')
      await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 2])

      const record = trade()
      await publishRecords(redis, keys, [{ kind: 'trade', record }])
      for (const { messages } of clients) {
        await expect.poll(() => messages).toEqual([JSON.stringify(record)])
      }
      expect(
        await metricValue(replicas[0]!.registry, 'takashi_gateway_ws_messages_sent_total', {
          stream: 'trades',
        })
      ).toBe(1)
    }
  )

  redisTest(
    'open-interest sends the cached value first, then live updates',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const cached = openInterest({ open_interest: 1 })
      await publishRecords(redis, keys, [{ kind: 'open_interest', record: cached }])
      const { messages } = await client(gateway, '/ws/binance/BTCUSDT/open-interest')
      await expect.poll(() => messages).toEqual([JSON.stringify(cached)])

      const live = openInterest({ open_interest: 2, received_at: cached.received_at + 1_000 })
      await publishRecords(redis, keys, [{ kind: 'open_interest', record: live }])
      await expect.poll(() => messages).toEqual([JSON.stringify(cached), JSON.stringify(live)])
    }
  )

  redisTest(
    'ohlc sends the newest cached candle of the interval first',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const older = candle(1_700_000_040_000, { interval: '5m' })
      const newest = candle(1_700_000_340_000, { interval: '5m', closed: false })
      await publishRecords(
        redis,
        keys,
        [older, newest].map((record) => ({ kind: 'ohlc' as const, record }))
      )
      const { messages } = await client(gateway, '/ws/binance/btcusdt/ohlc?interval=5m')
      await expect.poll(() => messages).toEqual([JSON.stringify(newest)])

      const update = { ...newest, close: 999, received_at: newest.received_at + 250 }
      await publishRecords(redis, keys, [{ kind: 'ohlc', record: update }])
      await expect.poll(() => messages).toEqual([JSON.stringify(newest), JSON.stringify(update)])
    }
  )

  redisTest(
    'min_value_usd decides which feed events are sent',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const filtered = await client(gateway, '/ws/binance/BTCUSDT/large-trades?min_value_usd=1000')
      const all = await client(gateway, '/ws/binance/BTCUSDT/large-trades')
      const channel = keys.feedChannel('large-trades', 'binance', 'BTCUSDT')
      await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 1])

      const bodies: string[] = []
      for (const value_usd of [500, 5_000, 999.99, 6_000]) {
        const { id: _id, ...event } = trade({ value_usd, trade_id: String(value_usd) })
        const id = await appendToFeed(redis, keys, 'large-trades', {
          eventId: `binance:BTCUSDT:${value_usd}`,
          exchange: 'binance',
          symbol: 'BTCUSDT',
          body: JSON.stringify(event),
        })
        bodies.push(`{"id":"${id}",${JSON.stringify(event).slice(1)}`)
      }
      await expect.poll(() => all.messages).toEqual(bodies)
      await expect.poll(() => filtered.messages).toEqual([bodies[1], bodies[3]])
    }
  )

  redisTest(
    'bad paths and parameters are refused with 400/404 and the JSON error',
    async ({ redisUrl, keys }) => {
      const gateway = await gatewayFor(
        { redisUrl, keys },
        { exchanges: [binanceView, noLiquidationsView] }
      )
      const error = (code: string, message: string) => ({ error: { code, message } })
      expect(await refusedUpgrade(`${gateway.wsUrl}/ws/kraken/BTCUSDT/trades`)).toEqual({
        status: 404,
        body: error('unknown_exchange', "unknown exchange 'kraken' (served: binance, hyperliquid)"),
      })
      expect(await refusedUpgrade(`${gateway.wsUrl}/ws/binance/DOGEUSDT/trades`)).toEqual({
        status: 404,
        body: error(
          'unknown_symbol',
          "unknown symbol 'DOGEUSDT' on binance (served: BTCUSDT, ETHUSDT)"
        ),
      })
      expect(await refusedUpgrade(`${gateway.wsUrl}/ws/binance/BTCUSDT/ohlc?interval=15m`)).toEqual(
        {
          status: 400,
          body: error(
            'bad_request',
            "interval: '15m' is not streamed for binance; use one of 1m, 5m"
          ),
        }
      )
      expect(
        await refusedUpgrade(`${gateway.wsUrl}/ws/binance/BTCUSDT/liquidations?min_value_usd=-1`)
      ).toEqual({
        status: 400,
        body: error('bad_request', 'min_value_usd: must be a number ≥ 0'),
      })
      expect(await refusedUpgrade(`${gateway.wsUrl}/ws/hyperliquid/BTC/liquidations`)).toEqual({
        status: 404,
        body: error('not_found', 'hyperliquid publishes no liquidations data'),
      })
      expect(await refusedUpgrade(`${gateway.wsUrl}/ws/binance/BTCUSDT/candles`)).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      })
      expect(await refusedUpgrade(`${gateway.wsUrl}/ws/binance/%E0%A4%A/trades`)).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      })
      expect(await refusedUpgrade(`${gateway.wsUrl}/elsewhere`)).toEqual({
        status: 404,
        body: error('not_found', 'no stream /elsewhere'),
      })
    }
  )

  redisTest(
    'a client that stops reading is closed with 1013',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor(
        { redisUrl, keys },
        { ws: { maxBufferedBytes: 512 * 1024, slowCloseGraceMs: 10_000 } }
      )
      const slow = await client(gateway, '/ws/binance/BTCUSDT/trades')
      const fast = await client(gateway, '/ws/binance/BTCUSDT/trades')
      const channel = keys.liveChannel('trades', 'binance', 'BTCUSDT')
      await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 1])
      slow.ws.pause()

      const big = JSON.stringify(trade({ trade_id: 'x'.repeat(4 * 1024) }))
      let published = 0
      // Fill the kernel's socket buffers; bounded so the test ends even if nothing happens.
      while (published < 100_000) {
        const tx = redis.multi()
        for (let i = 0; i < 50; i++) tx.publish(channel, big)
        await tx.exec()
        published += 50
        // paced by the reader that keeps up, so only the paused one can fall behind, however
        // slowly a loaded machine runs this process's sockets
        await expect.poll(() => fast.messages.length).toBe(published)
        if ((await metricValue(gateway.registry, 'takashi_gateway_ws_slow_disconnects_total')) > 0)
          break
      }
      expect(await metricValue(gateway.registry, 'takashi_gateway_ws_slow_disconnects_total')).toBe(
        1
      )
      slow.ws.resume()
      expect(await slow.closed).toEqual({ code: 1013, reason: 'client too slow' })
      // the reader that kept up still gets everything
      await expect.poll(() => fast.messages.length, { timeout: 10_000 }).toBe(published)
    }
  )

  redisTest(
    'the channel is unsubscribed after its last local client leaves',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const a = await client(gateway, '/ws/binance/ETHUSDT/funding-rate')
      const b = await client(gateway, '/ws/binance/ETHUSDT/funding-rate')
      const channel = keys.liveChannel('funding-rate', 'binance', 'ETHUSDT')
      await expect.poll(() => channels(redis, keys)).toEqual([channel])
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_ws_clients', {
          stream: 'funding-rate',
        })
      ).toBe(2)

      a.ws.close()
      await a.closed
      expect(await channels(redis, keys)).toEqual([channel])
      b.ws.close()
      await b.closed
      await expect.poll(() => channels(redis, keys)).toEqual([])
      expect(
        await metricValue(gateway.registry, 'takashi_gateway_ws_clients', {
          stream: 'funding-rate',
        })
      ).toBe(0)
    }
  )

  redisTest('stop closes clients with 1001', async ({ redisUrl, keys }) => {
    const gateway = await startGateway({ redisUrl, keys })
    const { closed } = await connect(`${gateway.wsUrl}/ws/binance/BTCUSDT/trades`)
    await gateway.stop()
    expect(await closed).toEqual({ code: 1001, reason: 'server shutting down' })
  })
})
