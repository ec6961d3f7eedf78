import { Queue, QueueEvents } from 'bullmq'
import { afterEach, expect } from 'vitest'
import {
  createRedis,
  fetchJobId,
  markCandlesFrom,
  publishRecords,
  readCandles,
  readLatest,
  type FetchRequest,
  type Keys,
} from '@takashi/bus'
import type { CandleRequest, ExchangeAdapter } from '@takashi/exchanges'
import { redisTest as test } from '@takashi/testing'
import { createBackfill } from '../src/backfill.ts'
import { UpstreamError } from '../src/errors.ts'
import { createFetchWorker } from '../src/fetch-worker.ts'
import { createPublisher } from '../src/publisher.ts'
import { candles, openInterest } from './records.ts'
import { testDeps, testRestContext } from './ws-venue.ts'

const MINUTE = 60_000
const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

/** REST functions of a test exchange; candle requests are recorded. */
function restAdapter() {
  const requests: CandleRequest[] = []
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  const adapter: Pick<ExchangeAdapter, 'id' | 'rest'> = {
    id: 'binance',
    rest: {
      loadMarkets: () =>
        Promise.resolve({ symbols: new Set(['BTCUSDT']), restWeightPerMinute: 1200 }),
      candles(_rest, request) {
        requests.push(request)
        if (request.symbol === 'FAILUSDT') {
          return Promise.reject(new UpstreamError(500, 'binance /klines answered 500: {}'))
        }
        const count =
          request.start_time === undefined
            ? request.limit
            : Math.min(request.limit, Math.floor((lastOpen - request.start_time) / MINUTE) + 1)
        return Promise.resolve(candles(lastOpen, count))
      },
      openInterest: () => Promise.resolve(openInterest(1234.5)),
      fundingRate: () =>
        Promise.reject(new UpstreamError(503, 'binance /premiumIndex answered 503: busy')),
    },
  }
  return { adapter, requests, lastOpen }
}

function parts(redis: Parameters<typeof createPublisher>[0]['redis'], keys: Keys) {
  const deps = testDeps()
  const publisher = createPublisher({ redis, keys, ...deps })
  const context = testRestContext
  return { deps, publisher, context, rest: { request: () => Promise.resolve({}) } }
}

test('start backfill fills the cache and marks it contiguous', async ({ redis, keys }) => {
  const { adapter, requests, lastOpen } = restAdapter()
  const { deps, context, rest } = parts(redis, keys)
  const backfill = createBackfill({
    adapter,
    rest,
    context,
    redis,
    keys,
    ...deps,
    symbols: ['BTCUSDT', 'FAILUSDT'],
    intervals: ['1m'],
    limit: 50,
  })
  await backfill.run('start')
  expect(requests).toEqual([
    { symbol: 'BTCUSDT', interval: '1m', limit: 50 },
    { symbol: 'FAILUSDT', interval: '1m', limit: 50 },
  ])
  const series = { exchange: 'binance' as const, symbol: 'BTCUSDT', interval: '1m' as const }
  expect(await redis.get(keys.candlesFrom('binance', 'BTCUSDT', '1m'))).toBe(
    String(lastOpen - 49 * MINUTE)
  )
  const read = await readCandles(redis, keys, series, { limit: 50 })
  expect(read).toMatchObject({ count: 50, covered: true })
})

test('reconnect backfill fetches from the newest cached candle and keeps the coverage', async ({
  redis,
  keys,
}) => {
  const { adapter, requests, lastOpen } = restAdapter()
  const { deps, context, rest } = parts(redis, keys)
  const series = { exchange: 'binance' as const, symbol: 'BTCUSDT', interval: '1m' as const }
  // the cache held 10 candles up to 5 minutes ago, contiguous from the first
  const held = candles(lastOpen - 5 * MINUTE, 10)
  await publishRecords(
    redis,
    keys,
    held.map((record) => ({ kind: 'ohlc', record }))
  )
  await markCandlesFrom(redis, keys, series, held[0]!.timestamp)

  const backfill = createBackfill({
    adapter,
    rest,
    context,
    redis,
    keys,
    ...deps,
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
  })
  await backfill.run('reconnect')
  expect(requests).toHaveLength(1)
  expect(requests[0]).toMatchObject({ start_time: lastOpen - 5 * MINUTE })
  expect(requests[0]!.limit).toBeGreaterThanOrEqual(6)
  expect(requests[0]!.limit).toBeLessThanOrEqual(7)
  expect(await redis.get(keys.candlesFrom('binance', 'BTCUSDT', '1m'))).toBe(
    String(held[0]!.timestamp)
  )
  expect(await readCandles(redis, keys, series, { limit: 15 })).toMatchObject({
    count: 15,
    covered: true,
  })
})

test('reconnect backfill starts at the candle open when the connection went down, and replays nothing live', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { adapter, requests, lastOpen } = restAdapter()
  const { deps, context, rest } = parts(redis, keys)
  const series = { exchange: 'binance' as const, symbol: 'BTCUSDT', interval: '1m' as const }
  // a live candle that arrived after the reconnect must not hide the gap before it
  await publishRecords(redis, keys, [{ kind: 'ohlc', record: candles(lastOpen, 1)[0]! }])
  const listener = createRedis(redisUrl)
  const heard: string[] = []
  await listener.subscribe(keys.ohlcChannel('binance', 'BTCUSDT', '1m'))
  listener.on('message', (_channel: string, message: string) => heard.push(message))

  const backfill = createBackfill({
    adapter,
    rest,
    context,
    redis,
    keys,
    ...deps,
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
  })
  await backfill.run('reconnect', lastOpen - 8 * MINUTE + 30_000)
  expect(requests[0]).toMatchObject({ start_time: lastOpen - 8 * MINUTE })
  expect((await readCandles(redis, keys, series, { limit: 9 })).count).toBe(9)
  await listener.ping()
  expect(heard).toEqual([])
  listener.disconnect()
})

/** Adds fetch jobs to the exchange's queue as the gateway does and waits for their answers. */
async function jobRunner(redisUrl: string, keys: Keys) {
  const connection = createRedis(redisUrl, { blocking: true })
  const queue = new Queue(keys.fetchQueue('binance'), { connection, prefix: keys.bullPrefix })
  const eventsConnection = createRedis(redisUrl, { blocking: true })
  const events = new QueueEvents(keys.fetchQueue('binance'), {
    connection: eventsConnection,
    prefix: keys.bullPrefix,
  })
  cleanups.push(() => eventsConnection.disconnect())
  cleanups.push(() => connection.disconnect())
  cleanups.push(() => queue.close())
  cleanups.push(() => events.close())
  await events.waitUntilReady()
  return async (data: unknown, jobId?: string) => {
    const job = await queue.add('fetch', data, jobId === undefined ? {} : { jobId })
    return job.waitUntilFinished(events, 5_000) as Promise<unknown>
  }
}

test('fetch worker answers jobs with records, fails upstream errors with their message', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { adapter } = restAdapter()
  const { deps, publisher, context, rest } = parts(redis, keys)
  const worker = createFetchWorker({ adapter, rest, context, redisUrl, keys, publisher, ...deps })
  worker.start()
  cleanups.push(() => worker.stop())
  const run = await jobRunner(redisUrl, keys)

  const ohlc: FetchRequest = { kind: 'ohlc', symbol: 'BTCUSDT', interval: '1m', limit: 3 }
  const klines = (await run(ohlc, fetchJobId(ohlc))) as { timestamp: number }[]
  expect(klines).toHaveLength(3)
  expect(klines[1]!.timestamp - klines[0]!.timestamp).toBe(MINUTE)

  const oi = await run({ kind: 'open_interest', symbol: 'BTCUSDT' })
  expect(oi).toMatchObject({ open_interest: 1234.5 })
  // the answer is cached, so the next request is a hit
  expect(await readLatest(redis, keys, 'open-interest', 'binance', 'BTCUSDT')).toContain('1234.5')

  await expect(run({ kind: 'funding_rate', symbol: 'BTCUSDT' })).rejects.toThrow(
    'upstream: binance /premiumIndex answered 503: busy'
  )
  await expect(run({ kind: 'ohlc', symbol: 'FAILUSDT', interval: '1m', limit: 3 })).rejects.toThrow(
    /^upstream: /
  )
  await expect(run({ kind: 'nonsense' })).rejects.toThrow(/^invalid fetch request/)
})

test('a closed-candle window asked twice reaches the exchange once; a moving one each time', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const { adapter, requests, lastOpen } = restAdapter()
  const { deps, publisher, context, rest } = parts(redis, keys)
  const worker = createFetchWorker({ adapter, rest, context, redisUrl, keys, publisher, ...deps })
  worker.start()
  cleanups.push(() => worker.stop())
  const run = await jobRunner(redisUrl, keys)

  const old = { kind: 'ohlc', symbol: 'BTCUSDT', interval: '1m', limit: 3 }
  const closed = { ...old, end_time: lastOpen - 10 * MINUTE }
  // distinct job ids: each is a new job, as when the same window is asked again later
  const first = await run(closed, 'closed-1')
  expect(await run(closed, 'closed-2')).toEqual(first)
  await run(old, 'latest-1')
  await run(old, 'latest-2')
  expect(requests.filter((request) => request.end_time !== undefined)).toHaveLength(1)
  expect(requests.filter((request) => request.end_time === undefined)).toHaveLength(2)
})
