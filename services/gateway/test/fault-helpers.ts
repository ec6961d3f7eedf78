import { connect as connectTcp, type Socket } from 'node:net'
import type { Feed, Keys, Redis } from '@takashi/bus'
import { append, liquidation, type Appended } from './feed-helpers.ts'
import { connect, type TestClient } from './helpers.ts'

/** Appends liquidations (BTCUSDT and ETHUSDT in turn) back to back until stopped. */
export function startAppender(redis: Redis, keys: Keys, feed: Feed = 'liquidations') {
  const appended: Appended[] = []
  let running = true
  let failure: Error | undefined
  const done = (async () => {
    for (let i = 0; running; i++) {
      const symbol = i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT'
      try {
        appended.push(await append(redis, keys, feed, liquidation({ symbol, quantity: i })))
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err))
        return
      }
    }
  })()
  return {
    appended,
    async stop(): Promise<Appended[]> {
      running = false
      await done
      if (failure !== undefined) throw failure
      return appended
    },
  }
}

/** A `/ws` client with one subscription; `records()` are the data of that subscription. */
export async function muxSubscription(wsUrl: string, id: string, path: string) {
  const client = await connect(`${wsUrl}/ws`)
  client.ws.send(JSON.stringify({ op: 'subscribe', id, path }))
  const parsed = () => client.messages.map((m) => JSON.parse(m) as Record<string, unknown>)
  return {
    client,
    subscribed: () => parsed().some((m) => m.type === 'subscribed' && m.id === id),
    /** the records' ids, in arrival order */
    ids: () =>
      parsed()
        .filter((m) => m.type === 'data' && m.id === id)
        .map((m) => (m.data as { id: string }).id),
    notices: () => parsed().filter((m) => m.type === 'resume'),
  }
}

export const idOf = (message: string) => (JSON.parse(message) as { id?: string }).id

/** Records of a path stream (control messages such as the partial notice left out). */
export const recordsOf = (client: TestClient) =>
  client.messages.filter((m) => !m.startsWith('{"type":'))

/**
 * A WebSocket client that completes the upgrade and then never answers anything (no pong, no
 * close frame), like a peer whose process hangs. Resolves once the upgrade is accepted.
 */
export function unresponsiveClient(port: number, path: string): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connectTcp(port, '127.0.0.1')
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    let head = ''
    socket.once('error', reject)
    socket.on('data', (chunk: Buffer) => {
      // Reads what arrives (so the server never sees backpressure) and answers nothing.
      if (head.includes('\r\n\r\n')) return
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      if (head.startsWith('HTTP/1.1 101')) resolve({ closed })
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`))
    })
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Version: 13\r\n\r\n'
    )
  })
}

/** The HTTP status of a GET, or 0 when the connection fails. */
export const statusOf = (url: string) =>
  fetch(url).then(
    async (res) => {
      await res.arrayBuffer()
      return res.status
    },
    () => 0
  )
