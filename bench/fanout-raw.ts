// The raw bound of the fan-out benchmark, run in its own process and built from `ws` and
// ioredis only (no takashi code): subscribes the channel, frames each message once, and once
// per event-loop turn writes everything that arrived in that turn to every client, as one
// buffer in one socket write. No routing, filters, recovery or metrics: what fan-out costs at
// the least in Node with the same message stream and the same coalescing.
// Usage: fanout-raw.ts <port> <redis url> <channel>
import { createServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { Redis } from 'ioredis'
import { WebSocketServer } from 'ws'

const [portText = '0', redisUrl = '', channel = ''] = process.argv.slice(2)
// the gateway's cap: a client with more than this buffered is too slow and is dropped
const MAX_BUFFERED = 1024 * 1024

const clients = new Set<Duplex>()
let pending: Buffer[] = []
let flushScheduled = false

function frameText(payload: Buffer): Buffer {
  const length = payload.length
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + length)
  frame[0] = 0x81 // FIN + text
  if (length < 126) frame[1] = length
  else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  payload.copy(frame, header)
  return frame
}

function flush(): void {
  flushScheduled = false
  const batch = pending.length === 1 ? pending[0]! : Buffer.concat(pending)
  pending = []
  for (const socket of clients) {
    if (socket.writableLength > MAX_BUFFERED) {
      clients.delete(socket)
      socket.destroy()
    } else socket.write(batch)
  }
}

const subscriber = new Redis(redisUrl)
subscriber.on('messageBuffer', (_channel: Buffer, payload: Buffer) => {
  pending.push(frameText(payload))
  if (!flushScheduled) {
    flushScheduled = true
    setImmediate(flush)
  }
})
await subscriber.subscribe(channel)

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
const server = createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end())
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    // frames go straight to the socket; ws only answers pings and closes on it
    clients.add(socket)
    ws.once('close', () => clients.delete(socket))
  })
})
server.listen(Number(portText), '127.0.0.1')

process.once('SIGTERM', () => {
  for (const socket of clients) socket.destroy()
  server.close()
  subscriber.disconnect()
})
