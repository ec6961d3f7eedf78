import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { Registry } from 'prom-client'
import {
  createMarket,
  type ExchangeAdapter,
  type ParseResult,
  type RestContext,
} from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import type { NormalizedRecord } from '@takashi/schemas'
import { largeTrade } from '@takashi/testing'
import { createIngestorMetrics } from '../src/metrics.ts'

/** A tiny WebSocket venue for connection-loop tests: records what clients send. */
export interface TestVenue {
  url: string
  server: Server
  sockets: WebSocket[]
  /** text frames received, per connection in order of arrival */
  received: string[][]
  /** upgrade request times (ms) */
  upgrades: number[]
  /** answers the next upgrades with this status instead of 101 */
  refuseNext(status: number, headers?: Record<string, string>): void
  onConnection(handler: (socket: WebSocket, index: number) => void): void
  broadcast(text: string): void
  close(): Promise<void>
}

export async function startTestVenue(options: { autoPong?: boolean } = {}): Promise<TestVenue> {
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true })
  const sockets: WebSocket[] = []
  const received: string[][] = []
  const upgrades: number[] = []
  const refusals: { status: number; headers: Record<string, string> }[] = []
  let handler: (socket: WebSocket, index: number) => void = () => {}
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    upgrades.push(Date.now())
    const refusal = refusals.shift()
    if (refusal) {
      const headers = Object.entries(refusal.headers).map(([k, v]) => `${k}: ${v}\r\n`)
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\n${headers.join('')}Content-Length: 0\r\n\r\n`
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const index = sockets.length
      const frames: string[] = []
      sockets.push(ws)
      received.push(frames)
      ws.on('message', (data) => frames.push(frameText(data)))
      handler(ws, index)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}/stream`,
    server,
    sockets,
    received,
    upgrades,
    refuseNext: (status, headers = {}) => refusals.push({ status, headers }),
    onConnection: (next) => {
      handler = next
    },
    broadcast: (text) => {
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text)
    },
    close: async () => {
      for (const ws of sockets) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A trade record for the test adapter. */
export function testTrade(price: number): NormalizedRecord {
  return {
    kind: 'trade',
    record: largeTrade({
      received_at: 1_700_000_000_001,
      id: `binance:BTCUSDT:${price}`,
      price,
      quantity: 1,
      value_usd: price,
      trade_id: String(price),
    }),
  }
}

/**
 * A minimal adapter: `{"stream":s,"price":p}` → a trade on stream s (`"mark":m` adds a mark
 * price learnt), `{"pong":1}` → pong, `{"error":m}` → venue error, `{"ack":1}` → ignored,
 * anything else → invalid. `seenBefore` records, per trade, how many its parser saw before it.
 */
export const testAdapter: Pick<ExchangeAdapter, 'id' | 'createParser'> & { seenBefore: number[] } =
  {
    id: 'binance',
    seenBefore: [],
    createParser() {
      let seen = 0
      return {
        parse(frame): ParseResult {
          let value: {
            stream?: string
            price?: number
            mark?: number
            pong?: number
            error?: string
            ack?: number
          }
          try {
            value = JSON.parse(frame) as typeof value
          } catch {
            return { kind: 'invalid', reason: 'not json' }
          }
          if (value.pong) return { kind: 'pong' }
          if (value.error) return { kind: 'venue_error', message: value.error }
          if (value.ack) return { kind: 'ignored', reason: 'ack' }
          if (value.stream && typeof value.price === 'number') {
            testAdapter.seenBefore.push(seen++)
            const records = [testTrade(value.price)]
            if (value.mark === undefined) return { kind: 'records', stream: value.stream, records }
            const learnt = { markPrice: { BTCUSDT: value.mark } }
            return { kind: 'records', stream: value.stream, records, learnt }
          }
          return { kind: 'invalid', reason: 'unknown frame' }
        },
      }
    },
  }

export function testDeps() {
  const registry = new Registry()
  return {
    registry,
    metrics: createIngestorMetrics(registry, 'binance'),
    log: createLogger({ service: 'ingestor-test', level: 'silent' }),
  }
}

export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

/** A REST context over a fresh market, tracking BTCUSDT. */
export function testRestContext(): RestContext {
  const market = createMarket()
  return { receivedAt: Date.now(), symbols: new Set(['BTCUSDT']), market, learn: market.learn }
}

/** A received frame as text. */
export function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString()
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString()
}
