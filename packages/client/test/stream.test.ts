import { describe, expect } from 'vitest'
import { redisTest as test } from '@takashi/testing'
import {
  streamPaths,
  TakashiError,
  type Liquidation,
  type ResumeNotice,
  type StreamState,
} from '../src/node.ts'
import { startStack } from './stack.ts'

const quantities = (records: Liquidation[]) => records.map((record) => record.quantity)

describe('a /ws stream across a gateway restart', () => {
  test('resumes after the last event it delivered: nothing lost, nothing twice', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const ctx = { redis, redisUrl, keys }
    const stack = await startStack(ctx)
    const stream = stack.client().stream()
    const states: StreamState[] = []
    stream.onStatus((status) => states.push(status.state))
    const received: Liquidation[] = []
    let subscribed = 0
    stream.subscribe(streamPaths.liquidations({ symbols: 'BTCUSDT' }), {
      onData: (record) => received.push(record),
      onSubscribed: () => subscribed++,
    })
    await expect.poll(() => subscribed).toBe(1)

    stack.liquidate(0.1)
    stack.liquidate(0.2)
    await expect.poll(() => quantities(received)).toEqual([0.1, 0.2])
    expect(received[0]).toMatchObject({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      side: 'long',
      price: 64000,
      value_usd: 6400,
    })

    await stack.gateway.stop()
    await expect.poll(() => stream.state).toBe('reconnecting')
    // the pipeline keeps appending to the feed while no gateway runs
    stack.liquidate(0.3)
    stack.liquidate(0.4)
    const feedHolds = async () => (await ctx.redis.xlen(ctx.keys.feed('liquidations'))) === 4
    await expect.poll(feedHolds).toBe(true)
    await stack.gateway.start()

    await expect.poll(() => subscribed).toBe(2)
    stack.liquidate(0.5)
    await expect.poll(() => quantities(received)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5])
    const ids = received.map((record) => record.id)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(5)
    expect(states).toEqual(expect.arrayContaining(['connecting', 'open', 'reconnecting']))
    expect(states.at(-1)).toBe('open')
  })

  test('a subscription that has seen no event yet still loses none across a restart', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const ctx = { redis, redisUrl, keys }
    const stack = await startStack(ctx)
    // an event from before the subscription: the resume must not hand it out
    stack.liquidate(0.01)
    await expect.poll(() => ctx.redis.xlen(ctx.keys.feed('liquidations'))).toBe(1)

    const stream = stack.client().stream()
    const received: Liquidation[] = []
    let subscribed = 0
    const subscription = stream.subscribe(streamPaths.liquidations(), {
      onData: (record) => received.push(record),
      onSubscribed: () => subscribed++,
    })
    await expect.poll(() => subscribed).toBe(1)
    // the feed's newest id, read right after the subscription went live, is where it resumes
    await expect.poll(() => subscription.resumeFrom).toBeDefined()

    await stack.gateway.stop()
    stack.liquidate(0.02)
    await expect.poll(() => ctx.redis.xlen(ctx.keys.feed('liquidations'))).toBe(2)
    await stack.gateway.start()

    await expect.poll(() => quantities(received)).toEqual([0.02])
    expect(subscription.lastId).toBe(received[0]?.id)
  })
})

describe('resume notices', () => {
  test('a since_id older than the history held: the notice, then every event held', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startStack({ redis, redisUrl, keys })
    stack.liquidate(0.1)
    stack.liquidate(0.2)
    await expect.poll(() => redis.xlen(keys.feed('liquidations'))).toBe(2)
    const stream = stack.client().stream()
    const notices: ResumeNotice[] = []
    const received: Liquidation[] = []
    const subscription = stream.subscribe(streamPaths.liquidations({ since_id: '1-0' }), {
      onData: (record) => received.push(record),
      onResume: (notice) => notices.push(notice),
    })
    await expect.poll(() => quantities(received)).toEqual([0.1, 0.2])
    expect(notices).toEqual([
      {
        type: 'resume',
        id: subscription.id,
        status: 'partial',
        since_id: '1-0',
        oldest_id: received[0]?.id,
      },
    ])
    expect(subscription.lastId).toBe(received[1]?.id)
  })

  test('a feed empty at subscription: a resume replays it all without a notice', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startStack({ redis, redisUrl, keys })
    const stream = stack.client().stream()
    const notices: ResumeNotice[] = []
    const received: Liquidation[] = []
    const subscription = stream.subscribe(streamPaths.liquidations(), {
      onData: (record) => received.push(record),
      onResume: (notice) => notices.push(notice),
    })
    await expect.poll(() => subscription.resumeFrom).toBe('0-0')
    await stack.gateway.stop()
    stack.liquidate(0.3)
    await expect.poll(() => redis.xlen(keys.feed('liquidations'))).toBe(1)
    await stack.gateway.start()
    await expect.poll(() => quantities(received)).toEqual([0.3])
    expect(notices).toEqual([])
  })
})

describe('subscriptions on one connection', () => {
  test('each gets its own records; an unsubscribed one gets no more', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const ctx = { redis, redisUrl, keys }
    const stack = await startStack(ctx)
    const stream = stack.client().stream()
    const trades: number[] = []
    const liquidations: Liquidation[] = []
    const ready: string[] = []
    const tradeSub = stream.subscribe(
      streamPaths.trades({ exchange: 'binance', symbol: 'BTCUSDT' }),
      {
        onData: (trade) => trades.push(trade.quantity),
        onSubscribed: () => ready.push('trades'),
      }
    )
    stream.subscribe(streamPaths.marketLiquidations({ exchange: 'binance', symbol: 'btcusdt' }), {
      onData: (record) => liquidations.push(record),
      onSubscribed: () => ready.push('liquidations'),
    })
    await expect.poll(() => ready.length).toBe(2)

    stack.trade(0.5)
    stack.liquidate(1)
    await expect.poll(() => trades).toEqual([0.5])
    await expect.poll(() => quantities(liquidations)).toEqual([1])

    tradeSub.unsubscribe()
    stack.trade(0.7)
    stack.liquidate(2)
    await expect.poll(() => quantities(liquidations)).toEqual([1, 2])
    // the venue sends frames in order: the trade went out before the liquidation that arrived
    expect(trades).toEqual([0.5])
  })

  test('a refused subscription ends with the contract error; others go on', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const ctx = { redis, redisUrl, keys }
    const stack = await startStack(ctx)
    const stream = stack.client().stream()
    const errors: TakashiError[] = []
    stream.subscribe(streamPaths.trades({ exchange: 'binance', symbol: 'DOGEUSDT' }), {
      onData: () => undefined,
      onError: (error) => errors.push(error),
    })
    stream.subscribe('/ws/liquidations?min_value_usd=lots', {
      onData: () => undefined,
      onError: (error) => errors.push(error),
    })
    await expect.poll(() => errors.length).toBe(2)
    const [unknown, bad] = errors as [TakashiError, TakashiError]
    expect(unknown).toBeInstanceOf(TakashiError)
    expect({ status: unknown.status, code: unknown.code }).toEqual({
      status: 404,
      code: 'unknown_symbol',
    })
    expect(unknown.message).toContain('DOGEUSDT')
    expect({ status: bad.status, code: bad.code }).toEqual({ status: 400, code: 'bad_request' })
    expect(bad.message).toMatch(/^min_value_usd/)

    const trades: number[] = []
    let live = false
    stream.subscribe(streamPaths.trades({ exchange: 'binance', symbol: 'BTCUSDT' }), {
      onData: (trade) => trades.push(trade.quantity),
      onSubscribed: () => (live = true),
    })
    await expect.poll(() => live).toBe(true)
    stack.trade(0.25)
    await expect.poll(() => trades).toEqual([0.25])
    expect(stream.state).toBe('open')
  })

  test('aborting a signal unsubscribes', async ({ redis, redisUrl, keys }) => {
    const ctx = { redis, redisUrl, keys }
    const stack = await startStack(ctx)
    const stream = stack.client().stream()
    const abort = new AbortController()
    const trades: number[] = []
    let ready = false
    stream.subscribe(
      streamPaths.trades({ exchange: 'binance', symbol: 'BTCUSDT' }),
      { onData: (trade) => trades.push(trade.quantity), onSubscribed: () => (ready = true) },
      { signal: abort.signal }
    )
    const liquidations: number[] = []
    stream.subscribe(streamPaths.liquidations(), (record) => liquidations.push(record.quantity))
    await expect.poll(() => ready).toBe(true)
    stack.trade(0.5)
    await expect.poll(() => trades).toEqual([0.5])
    abort.abort()
    stack.trade(0.6)
    stack.liquidate(3)
    await expect.poll(() => liquidations).toEqual([3])
    expect(trades).toEqual([0.5])
  })

  test('records() iterates a stream until the loop ends; a refused one throws its error', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const stack = await startStack({ redis, redisUrl, keys })
    const stream = stack.client().stream()
    const path = streamPaths.liquidations({ symbols: ['BTCUSDT'] })
    const seen: number[] = []
    const reading = (async () => {
      for await (const liquidation of stream.records(path)) {
        seen.push(liquidation.quantity)
        if (seen.length === 2) break
      }
    })()
    await expect
      .poll(async () => (await stack.client().metrics()).includes('route="/liquidations"'))
      .toBe(true)
    stack.liquidate(0.1)
    stack.liquidate(0.2)
    stack.liquidate(0.3)
    await reading
    expect(seen).toEqual([0.1, 0.2])

    const refused = stream.records(streamPaths.trades({ exchange: 'binance', symbol: 'NOPE' }))
    await expect(refused.next()).rejects.toMatchObject({ status: 404, code: 'unknown_symbol' })
  })
})
