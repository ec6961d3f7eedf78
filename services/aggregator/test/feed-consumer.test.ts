import { describe, expect, onTestFinished } from 'vitest'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createRedis, readFeedAfter, type Keys } from '@takashi/bus'
import { largeTrade, liquidation as buildLiquidation, redisTest as test } from '@takashi/testing'
import type { LargeTrade, Liquidation } from '@takashi/schemas'
import { createFeedConsumer, createAggregatorMetrics } from '../src/index.ts'

const trade = (n: number, value: number): LargeTrade =>
  largeTrade({
    timestamp: 1_700_000_000_000 + n,
    received_at: 1_700_000_000_010 + n,
    id: `binance:BTCUSDT:${n}`,
    side: n % 2 ? 'sell' : 'buy',
    price: 50_000,
    quantity: value / 50_000,
    value_usd: value,
    trade_id: String(n),
  })
const liquidation: Liquidation = buildLiquidation({
  symbol: 'ETHUSDT',
  received_at: 1_700_000_000_001,
  id: 'binance:ETHUSDT:1700000000000:long:3000:2',
  price: 3000,
  quantity: 2,
  value_usd: 6000,
})

function startConsumer(redisUrl: string, keys: Keys, name: string, claimIdleMs = 30_000) {
  const redis = createRedis(redisUrl, { blocking: true })
  const registry = new Registry()
  const metrics = createAggregatorMetrics(registry)
  const consumer = createFeedConsumer({
    redis,
    keys,
    floors: { largeTradeMinUsd: 100_000, liquidationMinUsd: 0 },
    log: pino({ level: 'silent' }),
    metrics,
    consumerName: name,
    blockMs: 100,
    claimIdleMs,
  })
  onTestFinished(async () => {
    await consumer.stop()
    redis.disconnect()
  })
  return { consumer, registry }
}

async function ingest(
  redis: ReturnType<typeof createRedis>,
  keys: Keys,
  kind: 'trades' | 'liquidations',
  body: string
) {
  await redis.xadd(keys.ingest(kind), '*', 'r', body)
}

describe('feed consumer', () => {
  test('applies floors, drops duplicates and bad entries, appends the rest once', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    await ingest(redis, keys, 'trades', JSON.stringify(trade(1, 150_000)))
    await ingest(redis, keys, 'trades', JSON.stringify(trade(2, 50_000)))
    await ingest(redis, keys, 'trades', JSON.stringify(trade(1, 150_000))) // ingested twice
    await ingest(redis, keys, 'trades', '{not json')
    await ingest(redis, keys, 'liquidations', JSON.stringify(liquidation))
    const { consumer, registry } = startConsumer(redisUrl, keys, 'c1')
    await consumer.start()

    await expect
      .poll(async () => (await readFeedAfter(redis, keys, 'large-trades', '0-0', 10)).length)
      .toBe(1)
    await expect
      .poll(async () => (await readFeedAfter(redis, keys, 'liquidations', '0-0', 10)).length)
      .toBe(1)
    const [large] = await readFeedAfter(redis, keys, 'large-trades', '0-0', 10)
    const { id, ...rest } = trade(1, 150_000)
    expect(JSON.parse(large?.body ?? '')).toEqual({ id: large?.id, ...rest })
    expect(id).toBe('binance:BTCUSDT:1')
    const [liq] = await readFeedAfter(redis, keys, 'liquidations', '0-0', 10)
    expect(JSON.parse(liq?.body ?? '')).toMatchObject({
      id: liq?.id,
      side: 'long',
      value_usd: 6000,
    })

    await expect
      .poll(
        async () =>
          await registry.getSingleMetricAsString('takashi_aggregator_duplicates_dropped_total')
      )
      .toContain('feed="large-trades"} 1')
    expect(
      await registry.getSingleMetricAsString('takashi_aggregator_invalid_events_total')
    ).toContain('kind="trades"} 1')
    expect(
      await registry.getSingleMetricAsString('takashi_aggregator_below_floor_total')
    ).toContain('kind="trades"} 1')
  })

  test('entries a crashed consumer read but never acknowledged are taken over, not lost', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    // A first consumer creates the group, then "crashes": it reads entries and never acknowledges them.
    const first = startConsumer(redisUrl, keys, 'crashed')
    await first.consumer.start()
    await first.consumer.stop()
    for (let n = 10; n < 15; n++)
      await ingest(redis, keys, 'trades', JSON.stringify(trade(n, 200_000)))
    await redis.xreadgroup(
      'GROUP',
      'aggregator',
      'crashed',
      'COUNT',
      3,
      'STREAMS',
      keys.ingest('trades'),
      '>'
    )

    const second = startConsumer(redisUrl, keys, 'survivor', 300)
    await second.consumer.start()
    await expect
      .poll(async () => (await readFeedAfter(redis, keys, 'large-trades', '0-0', 100)).length, {
        timeout: 5_000,
      })
      .toBe(5)
    const ids = (await readFeedAfter(redis, keys, 'large-trades', '0-0', 100)).map(
      (e) => (JSON.parse(e.body) as LargeTrade).trade_id
    )
    expect(ids.sort()).toEqual(['10', '11', '12', '13', '14'])
    const pending = (await redis.xpending(keys.ingest('trades'), 'aggregator')) as [
      number,
      ...unknown[],
    ]
    expect(pending[0]).toBe(0)
  })

  test('a consumer group lost with the data of Redis is re-created, and consuming goes on', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { consumer, registry } = startConsumer(redisUrl, keys, 'c1')
    await consumer.start()
    await ingest(redis, keys, 'liquidations', JSON.stringify(liquidation))
    await expect
      .poll(async () => (await readFeedAfter(redis, keys, 'liquidations', '0-0', 10)).length)
      .toBe(1)

    // what an empty restart does to the aggregator's part: streams and their groups are gone
    await redis.del(keys.ingest('trades'), keys.ingest('liquidations'), keys.feed('liquidations'))
    const later = { ...liquidation, id: 'binance:ETHUSDT:1700000000500:long:3000:2' }
    await ingest(redis, keys, 'liquidations', JSON.stringify(later))
    await expect
      .poll(async () => (await readFeedAfter(redis, keys, 'liquidations', '0-0', 10)).length)
      .toBe(1)
    const [entry] = await readFeedAfter(redis, keys, 'liquidations', '0-0', 10)
    expect(JSON.parse(entry?.body ?? '')).toMatchObject({ timestamp: 1_700_000_000_000 })
    expect(consumer.consuming()).toBe(true)
    expect(await registry.getSingleMetricAsString('takashi_aggregator_consumer_up')).toMatch(
      /takashi_aggregator_consumer_up 1$/m
    )
  })
})
