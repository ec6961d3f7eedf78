import { describe, expect } from 'vitest'
import { createKeys, createRedis, publishRecords, writeUniverse, type Keys } from '@takashi/bus'
import { startLocalRedis } from '@takashi/local-redis'
import { adapters } from '@takashi/exchanges'
import { redisTest as test, uniquePrefix } from '@takashi/testing'
import { append, liquidation, subscribers } from './feed-helpers.ts'
import { openInterest, perTest, refusedUpgrade } from './helpers.ts'

// SYMBOLS=all: each exchange serves what its ingestor's universe names, followed while running.

const { gateway: startReplica, client, cleanups } = perTest()
const venues = [adapters.binance!, adapters.hyperliquid!]

async function start(ctx: { redisUrl: string; keys: Keys }, universeRefreshMs?: number) {
  const gateway = await startReplica(ctx, {
    exchanges: venues,
    symbols: 'all',
    ...(universeRefreshMs !== undefined && { universeRefreshMs }),
  })
  const get = async (path: string) => {
    const res = await fetch(`${gateway.url}${path}`)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  return { gateway, get }
}

const counts = (body: unknown) =>
  Object.fromEntries(
    (body as { name: string; symbols: number }[]).map((entry) => [entry.name, entry.symbols])
  )

describe('whole market (SYMBOLS=all)', () => {
  test('serves each universe, follows listings and delistings, counts them in /exchanges', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT', 'SOLUSDT'])
    const records = ['BTCUSDT', 'SOLUSDT', 'DOGEUSDT'].map((symbol) => ({
      kind: 'open_interest' as const,
      record: openInterest({ symbol }),
    }))
    await publishRecords(redis, keys, records)
    const { gateway, get } = await start({ redisUrl, keys })

    // read at start: Hyperliquid's ingestor has written nothing yet, so it serves nothing
    expect(counts((await get('/exchanges')).body)).toEqual({ binance: 2, hyperliquid: 0 })
    expect((await get('/binance/open-interest/SOLUSDT')).status).toBe(200)
    expect(await get('/binance/open-interest/DOGEUSDT')).toEqual({
      status: 404,
      body: {
        error: {
          code: 'unknown_symbol',
          message: "unknown symbol 'DOGEUSDT' on binance (served: BTCUSDT, SOLUSDT)",
        },
      },
    })
    expect((await refusedUpgrade(`${gateway.wsUrl}/ws/binance/DOGEUSDT/trades`)).status).toBe(404)

    // DOGE is listed, SOL delisted: followed through the change channel, no restart
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT', 'DOGEUSDT'])
    await expect.poll(async () => (await get('/binance/open-interest/DOGEUSDT')).status).toBe(200)
    const delisted = await get('/binance/open-interest/SOLUSDT')
    expect(delisted.status).toBe(404)
    expect(JSON.stringify(delisted.body)).toContain("unknown symbol 'SOLUSDT' on binance")

    // /multi asks only the exchanges that list the symbol; the others say so in `errors`
    await writeUniverse(redis, keys, 'hyperliquid', ['BTCUSDT', 'ETHUSDT'])
    await expect
      .poll(async () => counts((await get('/exchanges')).body))
      .toEqual({
        binance: 2,
        hyperliquid: 2,
      })
    const multi = await get('/multi/open-interest/DOGEUSDT')
    expect(multi.status).toBe(200)
    expect(multi.body).toMatchObject({
      exchanges: { binance: { symbol: 'DOGEUSDT' } },
      errors: { hyperliquid: 'hyperliquid lists no DOGEUSDT' },
    })
    expect((await get('/multi/open-interest/SOLUSDT')).status).toBe(404)
  })

  test('a universe written without its change message is picked up by the periodic re-read', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT'])
    const { get } = await start({ redisUrl, keys }, 200)
    expect(counts((await get('/exchanges')).body)).toMatchObject({ binance: 1 })
    const universe = { exchange: 'binance', symbols: ['BTCUSDT', 'XRPUSDT'], updated_at: 1 }
    // the value alone, as if the message had been lost
    await redis.set(keys.universe('binance'), JSON.stringify(universe))
    await expect
      .poll(async () => counts((await get('/exchanges')).body))
      .toMatchObject({
        binance: 2,
      })
    // a universe that vanishes (Redis restarted empty) is not a delisting
    await redis.del(keys.universe('binance'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(counts((await get('/exchanges')).body)).toMatchObject({ binance: 2 })
  })

  test('a feed stream over the whole market is one Redis subscription that follows listings', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT', 'ETHUSDT'])
    const { gateway } = await start({ redisUrl, keys })
    const stream = await client(gateway, '/ws/liquidations')
    const feedWide = keys.feedAllChannel('liquidations')
    const perSymbol = keys.feedChannel('liquidations', 'binance', 'BTCUSDT')
    await expect.poll(() => subscribers(redis, [feedWide, perSymbol])).toEqual([1, 0])

    const btc = await append(redis, keys, 'liquidations', liquidation())
    // an event of a symbol not served is not sent (the aggregator would not publish one)
    await append(redis, keys, 'liquidations', liquidation({ symbol: 'PEPEUSDT' }))
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT', 'ETHUSDT', 'PEPEUSDT'])
    const served = async () => counts(await (await fetch(`${gateway.url}/exchanges`)).json())
    await expect.poll(served).toMatchObject({ binance: 3 })
    const pepe = await append(redis, keys, 'liquidations', liquidation({ symbol: 'PEPEUSDT' }))
    await expect.poll(() => stream.messages).toEqual([btc.body, pepe.body])
  })

  test('REST memory lets go of the channels of answers nobody asks for again', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']
    await writeUniverse(redis, keys, 'binance', symbols)
    const records = symbols.map((symbol) => ({
      kind: 'open_interest' as const,
      record: openInterest({ symbol }),
    }))
    await publishRecords(redis, keys, records)
    const { get } = await start({ redisUrl, keys })
    const channels = symbols.map((symbol) => keys.liveChannel('open-interest', 'binance', symbol))
    for (const symbol of symbols) {
      expect((await get(`/binance/open-interest/${symbol}`)).status).toBe(200)
    }
    expect(await subscribers(redis, channels)).toEqual([1, 1, 1])
    // nobody asks again: within a few seconds the replica listens to none of them
    await expect.poll(() => subscribers(redis, channels), { timeout: 8_000 }).toEqual([0, 0, 0])
  })

  // a private redis-server: the test cuts every subscriber connection of it
  test('after its subscription is cut, a replica still follows the universes', async () => {
    const server = await startLocalRedis()
    cleanups.push(() => server.stop())
    const redis = createRedis(server.url)
    cleanups.push(() => redis.disconnect())
    const keys = createKeys(uniquePrefix())
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT'])
    const { get } = await start({ redisUrl: server.url, keys })
    await expect.poll(() => subscribers(redis, [keys.universeChannel])).toEqual([1])
    await redis.client('KILL', 'TYPE', 'pubsub')
    // the listing comes while the follower reconnects: read again once it is back
    await writeUniverse(redis, keys, 'binance', ['BTCUSDT', 'XRPUSDT'])
    await expect.poll(() => subscribers(redis, [keys.universeChannel])).toEqual([1])
    await expect
      .poll(async () => counts((await get('/exchanges')).body))
      .toMatchObject({
        binance: 2,
      })
    // and the next change comes through the renewed subscription
    await writeUniverse(redis, keys, 'binance', ['XRPUSDT'])
    await expect
      .poll(async () => counts((await get('/exchanges')).body))
      .toMatchObject({
        binance: 1,
      })
  })
})
