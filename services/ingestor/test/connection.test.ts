import { metricValue } from '@takashi/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { createMarket, type ConnectionSpec, type LiveControl } from '@takashi/exchanges'
import type { NormalizedRecord } from '@takashi/schemas'
import {
  createConnection,
  type Connection,
  type ConnectionStatus,
  type ConnectionTiming,
} from '../src/connection.ts'
import {
  activeTimers,
  frameText,
  startTestVenue,
  testAdapter,
  testDeps,
  type TestVenue,
} from './ws-venue.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function venue(options?: { autoPong?: boolean }): Promise<TestVenue> {
  const server = await startTestVenue(options)
  cleanups.push(() => server.close())
  return server
}

function specFor(server: TestVenue, overrides: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    id: 'main',
    url: server.url,
    subscribe: ['{"op":"sub","args":["a"]}', '{"op":"sub","args":["b"]}'],
    subscribeSpacingMs: 0,
    heartbeat: { kind: 'protocol', intervalMs: 60_000, timeoutMs: 10_000 },
    streams: [
      { name: 'trades', busy: true },
      { name: 'liquidations', busy: false },
    ],
    staleAfterMs: 60_000,
    ...overrides,
  }
}

function connect(spec: ConnectionSpec, timing: Partial<ConnectionTiming> = {}) {
  const deps = testDeps()
  const records: { stream: string; records: NormalizedRecord[] }[] = []
  const statuses: ConnectionStatus[] = []
  const market = createMarket()
  const connection: Connection = createConnection({
    spec,
    adapter: testAdapter,
    symbols: new Set(['BTCUSDT']),
    market,
    onRecords: (batch, stream) => records.push({ stream, records: batch }),
    onStatus: (status) => statuses.push(status),
    log: deps.log,
    metrics: deps.metrics,
    timing: { backoffBaseMs: 20, backoffMaxMs: 200, ...timing },
  })
  cleanups.push(() => connection.stop())
  connection.start()
  return { connection, records, statuses, market, ...deps }
}

describe('connection loop', () => {
  test('subscribes after connect, spacing the frames, and delivers records', async () => {
    const server = await venue()
    const spec = specFor(server, { subscribeSpacingMs: 80 })
    const { records, statuses } = connect(spec)
    await expect.poll(() => server.received[0]?.length).toBe(2)
    expect(server.received[0]).toEqual(spec.subscribe)
    expect(statuses[0]).toMatchObject({ type: 'connected', connId: 'main' })
    expect(statuses[0]?.downSinceMs).toBeUndefined()

    server.broadcast('{"stream":"trades","price":101}')
    await expect.poll(() => records.length).toBe(1)
    expect(records[0]).toMatchObject({
      stream: 'trades',
      records: [{ kind: 'trade', record: { price: 101 } }],
    })
  })

  test('waits the subscribe spacing between frames', async () => {
    const server = await venue()
    const arrivals: number[] = []
    server.onConnection((socket) => socket.on('message', () => arrivals.push(Date.now())))
    connect(specFor(server, { subscribeSpacingMs: 150 }))
    await expect.poll(() => arrivals.length).toBe(2)
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(120)
  })

  test('reconnects after the venue drops it and re-sends the original subscribe frames', async () => {
    const server = await venue()
    const spec = specFor(server)
    const { statuses, records, connection, metrics } = connect(spec)
    await expect.poll(() => server.received[0]?.length).toBe(2)
    server.broadcast('{"stream":"trades","price":1}')
    server.broadcast('{"stream":"trades","price":2}')
    await expect.poll(() => records.length).toBe(2)

    server.sockets[0]?.terminate()
    await expect.poll(() => server.received[1]?.length).toBe(2)
    expect(server.received[1]).toEqual(spec.subscribe)
    await expect.poll(() => connection.isConnected()).toBe(true)
    expect(statuses.map((status) => status.type)).toEqual([
      'connected',
      'disconnected',
      'connected',
    ])
    const down = statuses[1]!
    expect(statuses[2]!.downSinceMs).toBe(down.at)
    expect((await metrics.reconnects.get()).values[0]?.value).toBe(1)

    // the new socket's parser starts with no memory of the old one's frames
    server.broadcast('{"stream":"trades","price":3}')
    await expect.poll(() => records.length).toBe(3)
    expect(testAdapter.seenBefore.slice(-3)).toEqual([0, 1, 0])
  })

  test('streams change on the open socket, paced; a reconnect subscribes the share it holds now', async () => {
    const server = await venue()
    const frames = (op: string) => (streams: readonly { name: string }[]) =>
      streams.length === 0 ? [] : [JSON.stringify({ op, args: streams.map((s) => s.name) })]
    const control: LiveControl = {
      url: () => server.url,
      streamsInUrl: false,
      subscribe: frames('sub'),
      unsubscribe: frames('unsub'),
      maxStreams: 10,
      // three requests an hour: a fourth waits (longer than this test)
      requestsPerHour: 3,
    }
    const spec = specFor(server, {
      subscribe: ['{"op":"sub","args":["trades","liquidations"]}'],
      subscribeSpacingMs: 60,
      control,
    })
    const { connection } = connect(spec)
    await expect.poll(() => server.received[0]).toEqual(spec.subscribe)

    connection.update({ add: [{ name: 'candles', busy: false }], remove: ['liquidations'] })
    await expect.poll(() => server.received[0]?.length).toBe(3)
    expect(server.received[0]?.slice(1)).toEqual([
      '{"op":"unsub","args":["liquidations"]}',
      '{"op":"sub","args":["candles"]}',
    ])
    expect(connection.streams().map((stream) => stream.name)).toEqual(['trades', 'candles'])
    // the socket has spent its three requests of the hour: a fourth waits
    connection.update({ add: [{ name: 'funding', busy: false }] })
    expect(server.received[0]).toHaveLength(3)

    // a new socket subscribes exactly what this connection holds now
    server.sockets[0]?.terminate()
    await expect
      .poll(() => server.received[1])
      .toEqual(['{"op":"sub","args":["trades","candles","funding"]}'])
  })

  test('sockets of one venue open through a shared gate: first connects and reconnects alike', async () => {
    const server = await venue()
    let nextAt = 0
    const gate = () => {
      const at = Math.max(Date.now(), nextAt)
      nextAt = at + 300
      return at - Date.now()
    }
    const deps = testDeps()
    for (const id of ['a', 'b']) {
      const connection = createConnection({
        spec: specFor(server, { id }),
        adapter: testAdapter,
        symbols: new Set(['BTCUSDT']),
        market: createMarket(),
        onRecords: () => undefined,
        connectGate: gate,
        log: deps.log,
        metrics: deps.metrics,
        timing: { backoffBaseMs: 1, backoffMaxMs: 1 },
      })
      cleanups.push(() => connection.stop())
      connection.start()
    }
    await expect.poll(() => server.upgrades.length).toBe(2)
    // both dropped at once: with a 1 ms backoff they would be back together without the gate
    for (const socket of server.sockets) socket.terminate()
    await expect.poll(() => server.upgrades.length).toBe(4)
    const gaps = server.upgrades.slice(1).map((at, i) => at - server.upgrades[i]!)
    // slots 300 ms apart; a loaded machine may send one socket's upgrade a little late
    expect(gaps.every((gap) => gap >= 150)).toBe(true)
    expect(server.upgrades[3]! - server.upgrades[0]!).toBeGreaterThanOrEqual(800)
  })

  test('what a frame taught is in the shared market before the next frame', async () => {
    const server = await venue()
    const { records, market } = connect(specFor(server))
    await expect.poll(() => server.sockets.length).toBe(1)
    server.broadcast('{"stream":"trades","price":1,"mark":64000.5}')
    await expect.poll(() => records.length).toBe(1)
    expect(market.markPrice.get('BTCUSDT')).toBe(64_000.5)
  })

  test('backoff grows while connections die without data and resets after data', async () => {
    const server = await venue()
    let sendData = false
    server.onConnection((socket) => {
      if (sendData) socket.send('{"stream":"trades","price":5}')
      setTimeout(() => socket.close(), 20)
    })
    const { statuses } = connect(specFor(server), {
      random: () => 1,
      backoffBaseMs: 30,
      backoffMaxMs: 10_000,
    })
    const delays = () => statuses.filter((s) => s.type === 'disconnected').map((s) => s.retryInMs)
    await expect.poll(() => delays().length).toBeGreaterThanOrEqual(3)
    expect(delays().slice(0, 3)).toEqual([30, 60, 120])

    sendData = true
    const before = delays().length
    await expect.poll(() => delays().length).toBeGreaterThanOrEqual(before + 2)
    // the first connection that carried data resets the count: its loss waits the base again
    expect(delays().slice(before)).toContain(30)
  })

  test('a silent busy stream forces a reconnect', async () => {
    const server = await venue()
    server.onConnection((socket, index) => {
      if (index > 0) return
      // only the quiet stream talks on the first connection
      const timer = setInterval(() => socket.send('{"stream":"liquidations","price":7}'), 30)
      socket.on('close', () => clearInterval(timer))
    })
    connect(specFor(server, { staleAfterMs: 250 }))
    await expect.poll(() => server.sockets.length, { timeout: 3_000 }).toBe(2)
  })

  test('a quiet stream that stays silent never forces a reconnect', async () => {
    const server = await venue()
    server.onConnection((socket) => {
      const timer = setInterval(() => socket.send('{"stream":"trades","price":8}'), 30)
      socket.on('close', () => clearInterval(timer))
    })
    const { records } = connect(specFor(server, { staleAfterMs: 500 }))
    // 100 trades ≈ 3 s, six times the stale limit, with liquidations silent all along
    await expect.poll(() => records.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(100)
    expect(server.sockets).toHaveLength(1)
  })

  test('heartbeats do not count as data for the stale timer', async () => {
    const server = await venue()
    server.onConnection((socket) => socket.on('message', () => socket.send('{"pong":1}')))
    connect(
      specFor(server, {
        heartbeat: { kind: 'message', frame: 'ping', intervalMs: 40, timeoutMs: 1_000 },
        staleAfterMs: 250,
      })
    )
    await expect.poll(() => server.sockets.length, { timeout: 3_000 }).toBe(2)
  })

  test('a protocol ping without pong forces a reconnect; answered pings keep it', async () => {
    const silent = await venue({ autoPong: false })
    connect(specFor(silent, { heartbeat: { kind: 'protocol', intervalMs: 40, timeoutMs: 100 } }))
    await expect.poll(() => silent.sockets.length, { timeout: 3_000 }).toBeGreaterThanOrEqual(2)

    // answered: a generous deadline, so a loaded machine sees no reconnect the venue did not cause
    const answering = await venue()
    let pings = 0
    answering.onConnection((socket) => socket.on('ping', () => (pings += 1)))
    connect(
      specFor(answering, { heartbeat: { kind: 'protocol', intervalMs: 40, timeoutMs: 1_000 } })
    )
    await expect.poll(() => pings, { timeout: 3_000 }).toBeGreaterThanOrEqual(10)
    expect(answering.sockets).toHaveLength(1)
  })

  test('message pings: a parsed pong clears the deadline, a missing one reconnects', async () => {
    const server = await venue()
    let answer = true
    let pings = 0
    server.onConnection((socket) =>
      socket.on('message', (data) => {
        if (frameText(data) !== 'ping') return
        pings += 1
        if (answer) socket.send('{"pong":1}')
      })
    )
    const spec = specFor(server, {
      subscribe: [],
      // a generous deadline: only the pongs the test withholds may cost the socket
      heartbeat: { kind: 'message', frame: 'ping', intervalMs: 40, timeoutMs: 1_000 },
    })
    connect(spec)
    await expect.poll(() => pings, { timeout: 3_000 }).toBeGreaterThanOrEqual(8)
    expect(server.sockets).toHaveLength(1)
    answer = false
    await expect.poll(() => server.sockets.length, { timeout: 3_000 }).toBe(2)
  })

  test('malformed frames and venue errors are counted and the loop carries on', async () => {
    const server = await venue()
    const deps = connect(specFor(server))
    await expect.poll(() => deps.connection.isConnected()).toBe(true)
    server.broadcast('not json at all')
    server.broadcast('{"what":1}')
    server.broadcast('{"error":"Invalid request"}')
    server.broadcast('{"ack":1}')
    server.broadcast('{"stream":"trades","price":9}')
    await expect.poll(() => deps.records.length).toBe(1)
    const bad = (kind: string) =>
      metricValue(deps.registry, 'takashi_ingestor_invalid_frames_total', { kind })
    expect(await bad('invalid')).toBe(2)
    expect(await bad('venue_error')).toBe(1)
    expect(server.sockets).toHaveLength(1)
  })

  test('honours Retry-After when the upgrade is answered with 429', async () => {
    const server = await venue()
    server.refuseNext(429, { 'Retry-After': '1' })
    const { connection } = connect(specFor(server), { random: () => 0 })
    await expect.poll(() => connection.isConnected(), { timeout: 4_000 }).toBe(true)
    expect(server.upgrades).toHaveLength(2)
    expect(server.upgrades[1]! - server.upgrades[0]!).toBeGreaterThanOrEqual(950)
  })

  test('stop() closes the socket and leaves no timers behind', async () => {
    const server = await venue()
    const before = activeTimers()
    const { connection } = connect(
      specFor(server, {
        subscribeSpacingMs: 5_000,
        heartbeat: { kind: 'protocol', intervalMs: 50, timeoutMs: 5_000 },
        staleAfterMs: 10_000,
      })
    )
    await expect.poll(() => connection.isConnected()).toBe(true)
    expect(activeTimers()).toBeGreaterThan(before)
    await connection.stop()
    expect(connection.isConnected()).toBe(false)
    await expect.poll(() => server.sockets[0]?.readyState).toBe(3)
    expect(activeTimers()).toBe(before)
  })

  test('stop() during a reconnect wait cancels the pending attempt', async () => {
    const server = await venue()
    const { connection, statuses } = connect(specFor(server), {
      backoffBaseMs: 10_000,
      random: () => 1,
    })
    await expect.poll(() => connection.isConnected()).toBe(true)
    server.sockets[0]?.terminate()
    await expect.poll(() => statuses.some((s) => s.type === 'disconnected')).toBe(true)
    const waiting = activeTimers()
    await connection.stop()
    expect(activeTimers()).toBe(waiting - 1)
    expect(server.upgrades).toHaveLength(1)
  })
})
