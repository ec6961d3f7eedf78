import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { afterEach, expect } from 'vitest'
import { createRedis, readHeartbeat, readUniverse } from '@takashi/bus'
import type { ExchangeAdapter } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import { redisTest as test } from '@takashi/testing'
import { createIngestor } from '../src/index.ts'
import { candles } from './records.ts'
import { startTestVenue, testAdapter } from './ws-venue.ts'

const MINUTE = 60_000
const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

/** REST side of the test exchange: markets (failing once) and candles, requests recorded. */
async function startRest() {
  const paths: string[] = []
  let failMarkets = 1
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    paths.push(req.url ?? '')
    res.setHeader('content-type', 'application/json')
    if (url.pathname === '/markets') {
      if (failMarkets-- > 0) return res.writeHead(503).end('{}')
      return res.end(JSON.stringify({ symbols: ['BTCUSDT', 'ETHUSDT'], weight: 1000 }))
    }
    const limit = Number(url.searchParams.get('limit'))
    const start = url.searchParams.get('start')
    const count = start === null ? limit : Math.min(limit, (lastOpen - Number(start)) / MINUTE + 1)
    res.end(JSON.stringify(candles(lastOpen, count)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, lastOpen }
}

/** A whole adapter for a made-up venue speaking the test frames of ws-venue.ts. */
const URL_ENV = { ws: 'TEST_WS_URL', rest: 'TEST_REST_URL' } as const

const adapter: ExchangeAdapter<typeof URL_ENV> = {
  id: 'binance',
  capabilities: {
    ohlc: true,
    open_interest: false,
    funding_rate: false,
    liquidations: true,
    large_trades: true,
    trades: true,
  },
  intervals: ['1m'],
  toNative: (symbol) => symbol.toLowerCase(),
  fromNative: (native) => native.toUpperCase(),
  urlEnv: URL_ENV,
  limits: { maxConnections: 5, connectSpacingMs: 0 },
  connections: (urls, symbols) => [
    {
      id: 'market',
      url: `${urls.ws}/stream`,
      subscribe: [JSON.stringify({ op: 'sub', args: symbols })],
      subscribeSpacingMs: 0,
      heartbeat: { kind: 'protocol', intervalMs: 1_000, timeoutMs: 1_000 },
      streams: [{ name: 'trades', busy: true }],
      staleAfterMs: 30_000,
    },
  ],
  createParser: () => testAdapter.createParser(),
  rest: {
    async loadMarkets(rest) {
      const body = (await rest.request({ method: 'GET', path: '/markets', weight: 1 })) as {
        symbols: string[]
        weight: number
      }
      return { symbols: new Set(body.symbols), restWeightPerMinute: body.weight }
    },
    async candles(rest, request) {
      const query = { symbol: request.symbol, limit: request.limit, start: request.start_time }
      return (await rest.request({
        method: 'GET',
        path: '/candles',
        query,
        weight: 1,
      })) as ReturnType<typeof candles>
    },
    openInterest: () => Promise.reject(new Error('not offered')),
    fundingRate: () => Promise.reject(new Error('not offered')),
  },
  polls: () => [],
}

test('starts after markets load, publishes frames, backfills, and backfills again after a reconnect', async ({
  redis,
  keys,
  redisUrl,
}) => {
  const venue = await startTestVenue()
  cleanups.push(() => venue.close())
  const rest = await startRest()
  const ingestor = createIngestor({
    adapter,
    urls: { ws: venue.url.replace(/\/stream$/, ''), rest: rest.url },
    symbols: ['BTCUSDT', 'DOGEUSDT'],
    intervals: ['1m'],
    redis,
    redisUrl,
    keys,
    log: createLogger({ service: 'ingestor-test', level: 'silent' }),
    registry: new Registry(),
    timing: {
      loadMarketsBaseMs: 20,
      heartbeatMs: 50,
      backfillLimit: 30,
      connection: { backoffBaseMs: 20 },
    },
  })
  cleanups.push(() => ingestor.stop())
  expect(ingestor.ready()).toBe(false)
  await ingestor.start()

  // markets failed once and were retried; the unlisted symbol was dropped
  expect(rest.paths.filter((path) => path === '/markets')).toHaveLength(2)
  // the universe of a SYMBOLS list is the listed part of it, written before any data
  expect((await readUniverse(redis, keys, 'binance'))?.symbols).toEqual(['BTCUSDT'])
  await expect.poll(() => venue.received[0]).toEqual(['{"op":"sub","args":["BTCUSDT"]}'])
  await expect.poll(() => ingestor.ready()).toBe(true)

  const subscriber = createRedis(redisUrl, { blocking: true })
  cleanups.push(() => subscriber.disconnect())
  const trades: string[] = []
  subscriber.on('message', (_channel: string, message: string) => trades.push(message))
  await subscriber.subscribe(keys.liveChannel('trades', 'binance', 'BTCUSDT'))
  venue.broadcast('{"stream":"trades","price":42}')
  await expect.poll(() => trades.length).toBe(1)
  expect(JSON.parse(trades[0]!)).toMatchObject({
    exchange: 'binance',
    symbol: 'BTCUSDT',
    price: 42,
  })
  await expect
    .poll(async () => Object.keys((await readHeartbeat(redis, keys, 'binance')).streams))
    .toEqual(['trades'])

  await expect.poll(() => redis.zcard(keys.candles('binance', 'BTCUSDT', '1m'))).toBe(30)
  expect(await redis.get(keys.candlesFrom('binance', 'BTCUSDT', '1m'))).toBe(
    String(rest.lastOpen - 29 * MINUTE)
  )

  venue.sockets[0]?.terminate()
  await expect.poll(() => venue.received[1]).toEqual(['{"op":"sub","args":["BTCUSDT"]}'])
  // the reconnect backfill asks only for the gap since the newest cached candle
  await expect
    .poll(() => rest.paths.some((path) => path.includes(`start=${rest.lastOpen}`)))
    .toBe(true)
  // the marker was taken at the disconnect and comes back with the backfilled gap
  await expect
    .poll(() => redis.get(keys.candlesFrom('binance', 'BTCUSDT', '1m')))
    .toBe(String(rest.lastOpen - 29 * MINUTE))

  await ingestor.stop()
  expect(ingestor.ready()).toBe(false)
})
