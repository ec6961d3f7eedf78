import { describe, expect, test } from 'vitest'
import { createKeys, createRedis, publishRecords, type Keys, type Redis } from '@takashi/bus'
import { startLocalRedis, type LocalRedis } from '@takashi/local-redis'
import { uniquePrefix } from '@takashi/testing'
import { append, liquidation, subscribers, type Appended } from './feed-helpers.ts'
import { idOf, muxSubscription, recordsOf, startAppender, statusOf } from './fault-helpers.ts'
import { metricValue, openInterest, perTest, type RunningGateway } from './helpers.ts'

// Spec §7: a gateway whose Redis subscription is cut, or whose Redis restarts empty, keeps its
// WebSockets open and fills what they missed. Each test owns its redis-server, because it kills
// connections or the server itself.

const { cleanups, gateway, client } = perTest()

const WAIT = { timeout: 15_000 }

async function privateRedis(port?: number): Promise<LocalRedis> {
  const server = await startLocalRedis(undefined, port === undefined ? {} : { port })
  cleanups.push(() => server.stop())
  return server
}

function connection(url: string): Redis {
  const redis = createRedis(url)
  redis.on('error', () => {}) // the tests stop this Redis on purpose
  cleanups.push(() => redis.disconnect())
  return redis
}

const gatewayOn = (url: string, keys: Keys) => gateway({ redisUrl: url, keys })

/** A liquidations path stream, a /ws subscription to BTCUSDT liquidations, an OI stream. */
async function clients(gateway: RunningGateway, redis: Redis, keys: Keys) {
  const liquidations = await client(gateway, '/ws/liquidations')
  const mux = await muxSubscription(gateway.wsUrl, 'liq', '/ws/liquidations?symbols=BTCUSDT')
  cleanups.push(() => mux.client.ws.terminate())
  const oi = await client(gateway, '/ws/binance/BTCUSDT/open-interest')
  await expect.poll(mux.subscribed, WAIT).toBe(true)
  const channels = ['BTCUSDT', 'ETHUSDT'].map((s) => keys.feedChannel('liquidations', 'binance', s))
  channels.push(keys.liveChannel('open-interest', 'binance', 'BTCUSDT'))
  await expect.poll(() => subscribers(redis, channels), WAIT).toEqual([1, 1, 1])
  return { liquidations, mux, oi }
}

const btcIds = (events: Appended[]) =>
  events.filter((e) => e.body.includes('"BTCUSDT"')).map((e) => e.id)

const oiRecord = (open_interest: number, received_at: number) =>
  openInterest({ open_interest, received_at })

describe('gateway faults (spec §7)', () => {
  test('a cut Redis subscription (CLIENT KILL TYPE pubsub): every event once, in order; latest values sent again', async () => {
    const server = await privateRedis()
    const keys = createKeys(uniquePrefix())
    const redis = connection(server.url)
    const gateway = await gatewayOn(server.url, keys)
    const before = oiRecord(1, 1)
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: before }])
    const { liquidations, mux, oi } = await clients(gateway, redis, keys)
    await expect.poll(() => oi.messages, WAIT).toEqual([JSON.stringify(before)])

    const appender = startAppender(redis, keys)
    await expect.poll(() => liquidations.messages.length, WAIT).toBeGreaterThanOrEqual(20)
    // A value whose publish the cut subscription missed: cached, never sent live.
    const changed = oiRecord(2, 2)
    await redis.set(keys.latest('open-interest', 'binance', 'BTCUSDT'), JSON.stringify(changed))
    expect(await redis.client('KILL', 'TYPE', 'pubsub')).toBe(1)
    const cutAt = appender.appended.length
    const resubscribes = () =>
      metricValue(gateway.registry, 'takashi_gateway_redis_resubscribes_total')
    await expect.poll(resubscribes, WAIT).toBe(1)
    // Events keep coming through the cut and after it.
    await expect.poll(() => appender.appended.length - cutAt, WAIT).toBeGreaterThan(300)
    const events = await appender.stop()

    const bodies = events.map((e) => e.body)
    await expect.poll(() => liquidations.messages.length, WAIT).toBe(bodies.length)
    expect(liquidations.messages).toEqual(bodies)
    await expect.poll(() => mux.ids().length, WAIT).toBe(btcIds(events).length)
    expect(mux.ids()).toEqual(btcIds(events))
    expect(mux.notices()).toEqual([])
    await expect
      .poll(() => oi.messages, WAIT)
      .toEqual([before, changed].map((r) => JSON.stringify(r)))
  })

  test('Redis restarted empty: /readyz is 503, then 200 within 10 s; the same WebSockets deliver again', async () => {
    const first = await privateRedis()
    const keys = createKeys(uniquePrefix())
    const redis = connection(first.url)
    const gateway = await gatewayOn(first.url, keys)
    const { liquidations, mux, oi } = await clients(gateway, redis, keys)
    const early: Appended[] = []
    for (let i = 0; i < 4; i++) {
      const symbol = i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT'
      early.push(await append(redis, keys, 'liquidations', liquidation({ symbol, quantity: i })))
    }
    await expect.poll(() => liquidations.messages, WAIT).toEqual(early.map((e) => e.body))

    const exited = new Promise((resolve) => first.process.once('exit', resolve))
    await redis.call('SHUTDOWN', 'NOSAVE').catch(() => 'closed')
    await exited
    await expect.poll(() => statusOf(`${gateway.url}/readyz`), WAIT).toBe(503)
    expect(await statusOf(`${gateway.url}/health`)).toBe(503)

    await privateRedis(first.port)
    const backAt = performance.now()
    await expect.poll(() => statusOf(`${gateway.url}/readyz`), { timeout: 10_000 }).toBe(200)
    expect(performance.now() - backAt).toBeLessThan(10_000)
    expect(await statusOf(`${gateway.url}/health`)).toBe(200)

    // The same connections, nobody reconnected: new events and values arrive.
    const late: Appended[] = []
    for (let i = 0; i < 4; i++) {
      const symbol = i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT'
      late.push(await append(redis, keys, 'liquidations', liquidation({ symbol, quantity: i })))
    }
    const value = oiRecord(3, 3)
    await publishRecords(redis, keys, [{ kind: 'open_interest', record: value }])
    const all = [...early, ...late]
    await expect.poll(() => recordsOf(liquidations), WAIT).toEqual(all.map((e) => e.body))
    await expect.poll(mux.ids, WAIT).toEqual(btcIds(all))
    await expect.poll(() => oi.messages.at(-1), WAIT).toBe(JSON.stringify(value))
    expect(await statusOf(`${gateway.url}/binance/open-interest/BTCUSDT`)).toBe(200)
    // A path stream that never asked for since_id gets records only (spec §5), even when the
    // events of the old Redis after the last one sent may be gone; a /ws subscription is told,
    // at most once, before the newer events.
    expect(liquidations.messages).toEqual(all.map((e) => e.body))
    expect(mux.notices().length).toBeLessThanOrEqual(1)
    for (const notice of mux.notices()) {
      expect(notice).toMatchObject({ status: 'partial' })
    }
    expect(idOf(liquidations.messages.at(-1)!)).toBe(late.at(-1)!.id)
  })
})
