// Child process of the fan-out benchmark: N WebSocket readers speaking the protocol over raw
// TCP (handshake, then frame headers only), so the readers cost far less than the server they
// measure. Counts data frames; samples the latency of one in 20 from its "timestamp".
// Usage (forked with IPC): fanout-clients.ts <ws url> <clients>
// IPC: sends {type: 'ready'}; answers {type: 'count'} and {type: 'report'} (then exits).
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

const [url = '', countText = '100'] = process.argv.slice(2)
const target = new URL(url)
const count = Number(countText)
const SAMPLE_EVERY = 20
const TIMESTAMP = Buffer.from('"timestamp":')

let delivered = 0
let slowCloses = 0
let closed = 0
const latencies: number[] = []
const sockets: Socket[] = []

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname)
    socket.setNoDelay(true)
    sockets.push(socket)
    let head: Buffer | null = Buffer.alloc(0)
    let pending: Buffer | null = null
    socket.once('connect', () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n'
      )
    })
    socket.on('error', reject)
    socket.on('close', () => closed++)
    socket.on('data', (chunk: Buffer) => {
      if (head !== null) {
        head = Buffer.concat([head, chunk])
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        const status = head.subarray(0, head.indexOf('\r\n')).toString()
        if (!status.startsWith('HTTP/1.1 101')) {
          reject(new Error(`${url}: ${status}`))
          socket.destroy()
          return
        }
        chunk = head.subarray(end + 4)
        head = null
        resolve()
      }
      pending = readFrames(socket, pending ? Buffer.concat([pending, chunk]) : chunk)
    })
  })
}

/** Reads the complete frames of `buf` (RFC 6455 §5.2, unmasked from a server); returns the rest. */
function readFrames(socket: Socket, buf: Buffer): Buffer | null {
  let at = 0
  for (;;) {
    if (buf.length - at < 2) break
    const opcode = buf[at]! & 0x0f
    let length = buf[at + 1]! & 0x7f
    let header = 2
    if (length === 126) {
      if (buf.length - at < 4) break
      length = buf.readUInt16BE(at + 2)
      header = 4
    } else if (length === 127) {
      if (buf.length - at < 10) break
      length = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6)
      header = 10
    }
    const start = at + header
    const end = start + length
    if (end > buf.length) break
    if (opcode === 1 || opcode === 2) {
      delivered++
      if (delivered % SAMPLE_EVERY === 0) sample(buf.subarray(start, end))
    } else if (opcode === 9) {
      pong(socket, buf.subarray(start, end))
    } else if (opcode === 8) {
      if (length >= 2 && buf.readUInt16BE(start) === 1013) slowCloses++
      socket.end()
    }
    at = end
  }
  return at < buf.length ? buf.subarray(at) : null
}

function sample(payload: Buffer): void {
  const at = payload.indexOf(TIMESTAMP)
  if (at === -1) return
  let sentAt = 0
  for (let i = at + TIMESTAMP.length; i < payload.length; i++) {
    const digit = payload[i]! - 48
    if (digit < 0 || digit > 9) break
    sentAt = sentAt * 10 + digit
  }
  latencies.push(Date.now() - sentAt)
}

// A client's frames are masked; a zero mask leaves the payload as it is.
function pong(socket: Socket, payload: Buffer): void {
  const header = Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0])
  socket.write(Buffer.concat([header, payload]))
}

// connect in batches: thousands of simultaneous SYNs overflow the listen backlog
for (let opened = 0; opened < count; opened += 250) {
  const batch = Math.min(250, count - opened)
  await Promise.all(Array.from({ length: batch }, open))
}
process.send?.({ type: 'ready' })

process.on('message', (message: { type: string }) => {
  if (message.type === 'count') {
    process.send?.({ type: 'count', delivered })
    return
  }
  if (message.type !== 'report') return
  process.send?.({ type: 'report', delivered, slow_closes: slowCloses, closed, latencies }, () => {
    for (const socket of sockets) socket.destroy()
    process.exit(0)
  })
})
