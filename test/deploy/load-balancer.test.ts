import { afterEach, describe, expect } from 'vitest'
import { Registry } from 'prom-client'
import { appendToFeed, publishRecords, type Keys } from '@takashi/bus'
import { freePort } from '@takashi/local-redis'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import type { LargeTrade } from '@takashi/schemas'
import { connectWs, largeTrade, redisTest as test, metricValue } from '@takashi/testing'
import { createGateway } from '@takashi/gateway'
import { renderNginxConfig, startNginx } from './nginx.ts'

const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

interface Replica {
  port: number
  registry: Registry
  stop(): Promise<void>
}

async function startReplica(
  redisUrl: string,
  keys: Keys,
  rateLimitPerMinute = 0
): Promise<Replica> {
  const registry = new Registry()
  const gateway = createGateway({
    redisUrl,
    keys,
    log: createLogger({ service: 'gateway', level: 'silent' }),
    registry,
    exchanges: [adapters.binance!],
    symbols: ['BTCUSDT'],
    intervals: ['1m'],
    fetchTimeoutMs: 3_000,
    rateLimitPerMinute,
    // counted per wall-clock minute: held 30 s into one, so no boundary falls inside a test
    now: () => 1_700_000_010_000,
  })
  const port = await gateway.listen(0)
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= gateway.stop())
  cleanups.push(stop)
  return { port, registry, stop }
}

const tradeClients = (replica: Replica) =>
  metricValue(replica.registry, 'takashi_gateway_ws_clients', { stream: 'trades' })

/** A client that keeps its messages and reports how it was closed. */
async function openClient(url: string) {
  const client = await connectWs(url)
  return { ws: client.ws, messages: client.texts, closed: client.closed.then(({ code }) => code) }
}

function trade(id: number): LargeTrade {
  return largeTrade({
    timestamp: 1_700_000_000_000 + id,
    received_at: 1_700_000_000_100 + id,
    id: `binance:BTCUSDT:${id}`,
    price: 64_000,
    quantity: 0.01,
    value_usd: 640,
    trade_id: String(id),
  })
}

/** Two gateway replicas (and a third upstream that is down) behind nginx with deploy/lb/nginx.conf. */
async function startStack(redisUrl: string, keys: Keys, rateLimitPerMinute = 0) {
  const replicas = [
    await startReplica(redisUrl, keys, rateLimitPerMinute),
    await startReplica(redisUrl, keys, rateLimitPerMinute),
  ]
  const deadPort = await freePort()
  const listenPort = await freePort()
  const config = renderNginxConfig(listenPort, [replicas[0]!.port, replicas[1]!.port, deadPort])
  const nginx = await startNginx(config, listenPort)
  cleanups.push(() => nginx.stop())
  return { replicas, nginx, wsUrl: nginx.url.replace('http', 'ws') }
}

describe('nginx with deploy/lb/nginx.conf in front of gateway replicas', () => {
  test('REST is spread over the live replicas; the upstream that is down is skipped', async ({
    redisUrl,
    keys,
  }) => {
    const { replicas, nginx } = await startStack(redisUrl, keys)
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${nginx.url}/health`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ redis: 'ok', exchanges: { binance: {} } })
    }
    const answered = await Promise.all(
      replicas.map((replica) =>
        metricValue(replica.registry, 'takashi_gateway_http_requests_total', {
          route: '/health',
          status: '200',
        })
      )
    )
    expect(answered[0]! + answered[1]!).toBe(12)
    expect(Math.min(...answered)).toBeGreaterThan(0)

    const ready = await fetch(`${nginx.url}/readyz`)
    expect(ready.status).toBe(200)
    const missing = await fetch(`${nginx.url}/binance/ohlc/NOPEUSDT/1m`)
    expect(missing.status).toBe(404)
  })

  test('a client cannot pick its rate-limit identity through X-Forwarded-For', async ({
    redisUrl,
    keys,
  }) => {
    const { nginx } = await startStack(redisUrl, keys, 3)
    const statuses = []
    for (const forged of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      const res = await fetch(`${nginx.url}/`, { headers: { 'x-forwarded-for': forged } })
      statuses.push(res.status)
    }
    // nginx replaces the header with the peer it saw, so all four are one client
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  test('WebSocket upgrades pass through and connections are spread without sticky sessions', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const { replicas, wsUrl } = await startStack(redisUrl, keys)
    const clients = []
    for (let i = 0; i < 4; i++) clients.push(await openClient(`${wsUrl}/ws/binance/BTCUSDT/trades`))
    await expect
      .poll(async () => (await tradeClients(replicas[0]!)) + (await tradeClients(replicas[1]!)))
      .toBe(4)
    expect(await tradeClients(replicas[0]!)).toBeGreaterThan(0)
    expect(await tradeClients(replicas[1]!)).toBeGreaterThan(0)

    const channel = keys.liveChannel('trades', 'binance', 'BTCUSDT')
    await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 2])
    await publishRecords(redis, keys, [{ kind: 'trade', record: trade(1) }])
    for (const client of clients) {
      await expect.poll(() => client.messages).toEqual([JSON.stringify(trade(1))])
    }
  })

  test('a client whose replica stops gets 1001, reconnects through nginx to the other replica and receives the next trade', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const { replicas, nginx, wsUrl } = await startStack(redisUrl, keys)
    const url = `${wsUrl}/ws/binance/BTCUSDT/trades`
    const first = await openClient(url)
    await expect
      .poll(async () => (await tradeClients(replicas[0]!)) + (await tradeClients(replicas[1]!)))
      .toBe(1)
    const onFirst = (await tradeClients(replicas[0]!)) === 1 ? 0 : 1
    const serving = replicas[onFirst]!
    const other = replicas[1 - onFirst]!

    await serving.stop()
    expect(await first.closed).toBe(1001)

    const resumed = await openClient(url)
    await expect.poll(() => tradeClients(other)).toBe(1)
    const channel = keys.liveChannel('trades', 'binance', 'BTCUSDT')
    await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 1])
    await publishRecords(redis, keys, [{ kind: 'trade', record: trade(2) }])
    await expect.poll(() => resumed.messages).toEqual([JSON.stringify(trade(2))])
    expect(first.messages).toEqual([])

    // REST keeps answering from the replica that is left
    const res = await fetch(`${nginx.url}/health`)
    expect(res.status).toBe(200)
  })

  test('a client resumes with since_id on the other replica after its replica stops: no gap, no duplicate', async ({
    redis,
    redisUrl,
    keys,
  }) => {
    const { replicas, wsUrl } = await startStack(redisUrl, keys)
    const url = `${wsUrl}/ws/binance/BTCUSDT/liquidations`
    const clientsOf = (replica: Replica) =>
      metricValue(replica.registry, 'takashi_gateway_ws_clients', { stream: 'liquidations' })
    const liquidation = (n: number) => ({
      eventId: `binance:BTCUSDT:${n}`,
      exchange: 'binance' as const,
      symbol: 'BTCUSDT',
      body: JSON.stringify({
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1_700_000_000_000 + n,
        received_at: 1_700_000_000_100 + n,
        side: 'long',
        price: 60_000,
        quantity: n,
        value_usd: 60_000 * n,
      }),
    })
    const channel = keys.feedChannel('liquidations', 'binance', 'BTCUSDT')
    const first = await openClient(url)
    await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 1])
    await appendToFeed(redis, keys, 'liquidations', liquidation(1))
    await expect.poll(() => first.messages.length).toBe(1)
    const lastSeen = (JSON.parse(first.messages[0]!) as { id: string }).id
    const serving = (await clientsOf(replicas[0]!)) === 1 ? replicas[0]! : replicas[1]!

    await serving.stop()
    expect(await first.closed).toBe(1001)
    const missed = [
      await appendToFeed(redis, keys, 'liquidations', liquidation(2)),
      await appendToFeed(redis, keys, 'liquidations', liquidation(3)),
    ]

    const resumed = await openClient(`${url}?since_id=${lastSeen}`)
    await expect.poll(() => resumed.messages.length).toBe(2)
    await expect.poll(() => redis.pubsub('NUMSUB', channel)).toEqual([channel, 1])
    const live = await appendToFeed(redis, keys, 'liquidations', liquidation(4))
    await expect.poll(() => resumed.messages.length).toBe(3)
    const ids = resumed.messages.map((text) => (JSON.parse(text) as { id: string }).id)
    expect(ids).toEqual([...missed, live])
    expect(
      resumed.messages.map((text) => (JSON.parse(text) as { quantity: number }).quantity)
    ).toEqual([2, 3, 4])
  })
})
