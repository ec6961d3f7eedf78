import { describe, expect } from 'vitest'
import { ohlc, redisTest as test } from '@takashi/testing'
import type { Ohlc } from '@takashi/schemas'
import {
  appendToFeed,
  markCandlesFrom,
  publishRecords,
  readCandles,
  readFeedAfter,
  readFeedNewest,
  readLatest,
  readUniverse,
  writeUniverse,
} from '../src/index.ts'

const candle = (minute: number, closed = true): Ohlc =>
  ohlc({
    timestamp: minute * 60_000,
    received_at: minute * 60_000 + 5,
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
    quote_volume: 15,
    trades: 3,
    closed,
  })
const series = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' } as const

describe('candle cache', () => {
  test('replaces the open candle and answers covered windows only', async ({ redis, keys }) => {
    await publishRecords(
      redis,
      keys,
      [10, 11, 12].map((m) => ({ kind: 'ohlc', record: candle(m) }))
    )
    await publishRecords(redis, keys, [{ kind: 'ohlc', record: candle(13, false) }])
    await publishRecords(redis, keys, [
      { kind: 'ohlc', record: { ...candle(13, false), close: 9 } },
    ])

    const uncovered = await readCandles(redis, keys, series, { limit: 2 })
    expect(uncovered.covered).toBe(false)

    await markCandlesFrom(redis, keys, series, 10 * 60_000)
    const latest = await readCandles(redis, keys, series, { limit: 2 })
    expect(latest.covered).toBe(true)
    expect(JSON.parse(latest.body)).toEqual([candle(12), { ...candle(13, false), close: 9 }])

    const tooMany = await readCandles(redis, keys, series, { limit: 10 })
    expect(tooMany).toMatchObject({ count: 4, covered: false })

    const window = await readCandles(redis, keys, series, {
      limit: 10,
      start_time: 11 * 60_000,
      end_time: 12 * 60_000,
    })
    expect(window.covered).toBe(true)
    expect((JSON.parse(window.body) as Ohlc[]).map((c) => c.timestamp)).toEqual([
      11 * 60_000,
      12 * 60_000,
    ])

    const before = await readCandles(redis, keys, series, { limit: 10, start_time: 9 * 60_000 })
    expect(before.covered).toBe(false)
  })
})

describe('latest values', () => {
  test('caches the last open interest with a TTL', async ({ redis, keys }) => {
    const record = {
      exchange: 'binance' as const,
      symbol: 'BTCUSDT',
      timestamp: 1,
      received_at: 2,
      open_interest: 3,
      open_interest_usd: 4,
    }
    await publishRecords(redis, keys, [{ kind: 'open_interest', record }])
    expect(
      JSON.parse((await readLatest(redis, keys, 'open-interest', 'binance', 'BTCUSDT')) ?? '')
    ).toEqual(record)
    expect(await redis.pttl(keys.latest('open-interest', 'binance', 'BTCUSDT'))).toBeGreaterThan(0)
  })
})

describe('feeds', () => {
  test('assign increasing ids, drop duplicates and publish the same bytes', async ({
    redis,
    keys,
    redisUrl,
  }) => {
    const { createRedis } = await import('../src/index.ts')
    const sub = createRedis(redisUrl)
    const heard: string[] = []
    await sub.subscribe(keys.feedChannel('liquidations', 'binance', 'BTCUSDT'))
    sub.on('message', (_channel: string, message: string) => heard.push(message))

    const event = (n: number) => ({
      eventId: `e${n}`,
      exchange: 'binance' as const,
      symbol: 'BTCUSDT',
      body: JSON.stringify({ exchange: 'binance', symbol: 'BTCUSDT', n }),
    })
    const first = await appendToFeed(redis, keys, 'liquidations', event(1))
    const again = await appendToFeed(redis, keys, 'liquidations', event(1))
    const second = await appendToFeed(redis, keys, 'liquidations', event(2))
    expect(first).toMatch(/^\d+-\d+$/)
    expect(again).toBeNull()
    expect(second).not.toBe(first)

    const history = await readFeedAfter(redis, keys, 'liquidations', '0-0', 10)
    expect(history.map((e) => e.id)).toEqual([first, second])
    expect(JSON.parse(history[0]?.body ?? '')).toEqual({
      id: first,
      exchange: 'binance',
      symbol: 'BTCUSDT',
      n: 1,
    })
    expect((await readFeedNewest(redis, keys, 'liquidations', 1)).map((e) => e.id)).toEqual([
      second,
    ])

    await expect.poll(() => heard.length).toBe(2)
    expect(heard).toEqual(history.map((e) => e.body))
    sub.disconnect()
  })
})

describe('universe', () => {
  test('stores the sorted symbols and announces the change', async ({ redis, keys }) => {
    expect(await readUniverse(redis, keys, 'okx')).toBeNull()
    const listener = redis.duplicate()
    const announced: string[] = []
    listener.on('message', (_channel: string, exchange: string) => announced.push(exchange))
    await listener.subscribe(keys.universeChannel)
    try {
      await writeUniverse(redis, keys, 'okx', ['SOLUSDT', 'BTCUSDT', 'SOLUSDT'], 1_000)
      expect(await readUniverse(redis, keys, 'okx')).toEqual({
        exchange: 'okx',
        symbols: ['BTCUSDT', 'SOLUSDT'],
        updated_at: 1_000,
      })
      await expect.poll(() => announced).toEqual(['okx'])
    } finally {
      listener.disconnect()
    }
  })
})
