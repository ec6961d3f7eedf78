import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { createClient, streamPaths, type StreamStatus } from '../src/node.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A stand-in gateway that accepts `/ws` and then says nothing, or pings and says nothing else. */
async function quietGateway(pingEveryMs?: number) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(server, 'listening')
  const connections: WebSocket[] = []
  const seen = { pongs: 0 }
  server.on('connection', (ws) => {
    connections.push(ws)
    ws.on('pong', () => seen.pongs++)
    if (pingEveryMs === undefined) return
    const timer = setInterval(() => ws.ping(), pingEveryMs)
    ws.on('close', () => clearInterval(timer))
  })
  cleanups.push(() => {
    for (const ws of server.clients) ws.terminate()
    return new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as { port: number }
  return { baseUrl: `http://127.0.0.1:${port}`, connections, seen }
}

function streamOf(baseUrl: string) {
  const client = createClient({ baseUrl, silenceMs: 300, reconnect: { minDelayMs: 20 } })
  const stream = client.stream()
  cleanups.push(() => stream.close())
  const statuses: StreamStatus[] = []
  stream.onStatus((status) => statuses.push(status))
  stream.subscribe(streamPaths.ohlc({ exchange: 'binance', symbol: 'BTCUSDT' }), {
    onData: () => {},
  })
  return { stream, statuses }
}

describe('a /ws connection that hears nothing', () => {
  test('is taken for dead after silenceMs and replaced', async () => {
    const gateway = await quietGateway()
    const { statuses } = streamOf(gateway.baseUrl)
    await expect.poll(() => gateway.connections.length, { timeout: 5_000 }).toBeGreaterThan(2)
    // dropped at once (no closing handshake with a silent peer), then connected again
    expect(statuses).toContainEqual(
      expect.objectContaining({ state: 'reconnecting', closeCode: 1006 })
    )
  })

  test('is kept while the gateway pings, however quiet the stream', async () => {
    const gateway = await quietGateway(50)
    const { stream } = streamOf(gateway.baseUrl)
    // 30 pings answered: 1.5 s, five times the silence allowed, without a message
    await expect.poll(() => gateway.seen.pongs, { timeout: 10_000 }).toBeGreaterThanOrEqual(30)
    expect(gateway.connections).toHaveLength(1)
    expect(stream.state).toBe('open')
  })
})
