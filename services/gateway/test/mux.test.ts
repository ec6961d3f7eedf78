import { describe, expect } from 'vitest'
import { publishRecords, type Keys } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import { append, liquidation, subscribers, type Appended } from './feed-helpers.ts'
import {
  binanceView,
  noLiquidationsView,
  openInterest,
  perTest,
  startGateway,
  trade,
  type RunningGateway,
  type TestClient,
} from './helpers.ts'

const { cleanups, gateway: startReplica, client } = perTest()
const gatewayFor = (ctx: { redisUrl: string; keys: Keys }) =>
  startReplica(ctx, { exchanges: [binanceView, noLiquidationsView] })

interface Mux extends TestClient {
  send(request: unknown): void
  /** messages parsed */
  parsed(): Record<string, unknown>[]
}

async function mux(gateway: RunningGateway): Promise<Mux> {
  const opened = await client(gateway, '/ws')
  return {
    ...opened,
    send: (request) =>
      opened.ws.send(typeof request === 'string' ? request : JSON.stringify(request)),
    parsed: () => opened.messages.map((m) => JSON.parse(m) as Record<string, unknown>),
  }
}

const data = (id: string, body: string) =>
  `{"type":"data","id":${JSON.stringify(id)},"data":${body}}`
const error = (id: string | null, code: string, message: string) => ({
  type: 'error',
  id,
  error: { code, message },
})

describe('multiplexed /ws', () => {
  redisTest(
    'subscriptions with their own filters; every message names its subscription',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const client = await mux(gateway)
      client.send({ op: 'subscribe', id: 't', path: '/ws/binance/BTCUSDT/trades' })
      client.send({ op: 'subscribe', id: 'big', path: '/ws/liquidations?min_value_usd=20000' })
      client.send({ op: 'subscribe', id: 'all', path: '/ws/liquidations?symbols=BTCUSDT' })
      await expect
        .poll(() =>
          client
            .parsed()
            .map((m) => `${String(m.type)}:${String(m.id)}`)
            .sort()
        )
        .toEqual(['subscribed:all', 'subscribed:big', 'subscribed:t'])

      const record = trade()
      await publishRecords(redis, keys, [{ kind: 'trade', record }])
      const small = await append(redis, keys, 'liquidations', liquidation({ value_usd: 1_000 }))
      const large = await append(redis, keys, 'liquidations', liquidation({ value_usd: 30_000 }))
      // The record's bytes inside the envelope, exactly as the path stream sends them.
      await expect
        .poll(() => client.messages.slice(3))
        .toEqual([
          data('t', JSON.stringify(record)),
          data('all', small.body),
          data('big', large.body),
          data('all', large.body),
        ])

      client.send({ op: 'unsubscribe', id: 't' })
      await expect.poll(() => client.parsed().at(-1)).toEqual({ type: 'unsubscribed', id: 't' })
      const channel = keys.liveChannel('trades', 'binance', 'BTCUSDT')
      await expect.poll(() => subscribers(redis, [channel])).toEqual([0])
      await publishRecords(redis, keys, [{ kind: 'trade', record: trade({ trade_id: '2' }) }])
      const last = await append(redis, keys, 'liquidations', liquidation({ value_usd: 5 }))
      await expect.poll(() => client.messages.at(-1)).toBe(data('all', last.body))
      expect(client.messages.slice(8)).toEqual([data('all', last.body)])
    }
  )

  redisTest(
    'the same stream under several ids and connections: one envelope each',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const one = await mux(gateway)
      const two = await mux(gateway)
      for (const id of ['a', 'b']) {
        one.send({ op: 'subscribe', id, path: '/ws/binance/btcusdt/liquidations' })
      }
      two.send({ op: 'subscribe', id: 'a', path: '/ws/liquidations' })
      await expect.poll(() => one.messages.length + two.messages.length).toBe(3)
      const event = await append(redis, keys, 'liquidations', liquidation())
      await expect.poll(() => two.messages.slice(1)).toEqual([data('a', event.body)])
      await expect
        .poll(() => one.messages.slice(2).sort())
        .toEqual([data('a', event.body), data('b', event.body)])
    }
  )

  redisTest('errors answer the request that caused them', async ({ redisUrl, keys }) => {
    const gateway = await gatewayFor({ redisUrl, keys })
    const client = await mux(gateway)
    const requests: [unknown, unknown][] = [
      ['{not json', error(null, 'bad_request', 'request: not valid JSON')],
      [[1, 2], error(null, 'bad_request', 'request: must be a JSON object')],
      [
        { op: 'subscribe', path: '/ws/liquidations' },
        error(null, 'bad_request', 'id: must be a string of 1 to 64 characters'),
      ],
      [
        { op: 'listen', id: 'x' },
        error('x', 'bad_request', "op: must be 'subscribe' or 'unsubscribe'"),
      ],
      [
        { op: 'subscribe', id: 'p', path: 42 },
        error(
          'p',
          'bad_request',
          'path: must be a stream path such as /ws/binance/BTCUSDT/trades (at most 2048 characters)'
        ),
      ],
      [
        { op: 'subscribe', id: 'h', path: '/ws/hyperliquid/BTC/liquidations' },
        error('h', 'not_found', 'hyperliquid publishes no liquidations data'),
      ],
      [
        { op: 'subscribe', id: 's', path: '/ws/liquidations?since_id=soon' },
        error('s', 'bad_request', "since_id: 'soon' is not an event id (e.g. 1700000000000-0)"),
      ],
      [{ op: 'subscribe', id: 'm', path: '/ws' }, error('m', 'not_found', 'no stream /ws')],
      [
        { op: 'subscribe', id: 'k', path: '/ws/kraken/BTCUSDT/trades' },
        error('k', 'unknown_exchange', "unknown exchange 'kraken' (served: binance, hyperliquid)"),
      ],
      [{ op: 'unsubscribe', id: 'nope' }, error('nope', 'not_found', "no subscription 'nope'")],
      [
        { op: 'subscribe', id: 'ok', path: '/ws/large-trades' },
        { type: 'subscribed', id: 'ok' },
      ],
      [
        { op: 'subscribe', id: 'ok', path: '/ws/liquidations' },
        error('ok', 'bad_request', "id: subscription 'ok' is already active"),
      ],
      [
        JSON.stringify({
          op: 'subscribe',
          id: 'big',
          path: `/ws/liquidations?x=${'y'.repeat(5_000)}`,
        }),
        error(null, 'bad_request', 'request: larger than 4096 bytes'),
      ],
    ]
    for (const [request, answer] of requests) {
      const before = client.messages.length
      client.send(request)
      await expect.poll(() => client.parsed().slice(before)).toEqual([answer])
    }
  })

  redisTest('at most 50 subscriptions per connection', async ({ redisUrl, keys }) => {
    // 51 requests at once: above the default message rate, which access.test.ts covers
    const gateway = await startGateway({ redisUrl, keys }, { wsMessagesPerSecond: 100 })
    cleanups.push(() => gateway.stop())
    const client = await mux(gateway)
    for (let i = 0; i < 51; i++) {
      client.send({ op: 'subscribe', id: `s${i}`, path: '/ws/binance/BTCUSDT/trades' })
    }
    await expect.poll(() => client.messages.length).toBe(51)
    expect(client.parsed().filter((m) => m.type === 'subscribed')).toHaveLength(50)
    expect(client.parsed().find((m) => m.type === 'error')).toEqual(
      error('s50', 'bad_request', 'at most 50 subscriptions per connection')
    )
  })

  redisTest(
    'a subscription resumes with its own since_id; latest values come first',
    async ({ redis, redisUrl, keys }) => {
      const gateway = await gatewayFor({ redisUrl, keys })
      const events: Appended[] = []
      for (let i = 0; i < 8; i++) {
        events.push(await append(redis, keys, 'liquidations', liquidation({ quantity: i })))
      }
      await redis.xtrim(keys.feed('liquidations'), 'MAXLEN', 4)
      const cached = openInterest()
      await publishRecords(redis, keys, [{ kind: 'open_interest', record: cached }])

      const client = await mux(gateway)
      const since = events[1]!.id
      client.send({ op: 'subscribe', id: 'old', path: `/ws/liquidations?since_id=${since}` })
      await expect.poll(() => client.messages.length).toBe(6)
      expect(client.parsed().slice(0, 2)).toEqual([
        { type: 'subscribed', id: 'old' },
        { type: 'resume', id: 'old', status: 'partial', since_id: since, oldest_id: events[4]!.id },
      ])
      expect(client.messages.slice(2)).toEqual(events.slice(4).map((e) => data('old', e.body)))

      client.send({
        op: 'subscribe',
        id: 'full',
        path: `/ws/liquidations?since_id=${events[6]!.id}`,
      })
      client.send({ op: 'subscribe', id: 'oi', path: '/ws/binance/BTCUSDT/open-interest' })
      await expect.poll(() => client.messages.length).toBe(10)
      const rest = client.messages.slice(6)
      expect(rest.filter((m) => m.includes('"id":"full"'))).toEqual([
        '{"type":"subscribed","id":"full"}',
        data('full', events[7]!.body),
      ])
      expect(rest.filter((m) => m.includes('"id":"oi"'))).toEqual([
        '{"type":"subscribed","id":"oi"}',
        data('oi', JSON.stringify(cached)),
      ])
    }
  )
})
