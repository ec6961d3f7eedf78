import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'

// The only module that reaches into ws internals: frames are built once per message and written
// straight to the client's socket, several per write, which is what makes fan-out cheap.

/** An unmasked, final text frame (RFC 6455 §5.2) carrying `payload`; built once per message. */
export function frameText(payload: Buffer): Buffer {
  const length = payload.length
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x81 // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  payload.copy(frame, headerLength)
  return frame
}

function socketOf(ws: WebSocket): Duplex | undefined {
  return (ws as unknown as { _socket?: Duplex | null })._socket ?? undefined
}

/**
 * Writes prepared frames to an open client in one corked write (one syscall); false when the
 * client is no longer open. Requires `perMessageDeflate: false` (ws then writes its own control
 * frames synchronously, so frames never interleave).
 */
export function writeFrames(ws: WebSocket, frames: readonly Buffer[]): boolean {
  const socket = socketOf(ws)
  if (ws.readyState !== WebSocket.OPEN || !socket || socket.destroyed) return false
  if (frames.length === 1) {
    socket.write(frames[0])
    return true
  }
  socket.cork()
  for (const frame of frames) socket.write(frame)
  socket.uncork()
  return true
}

/** Resolves once the client's socket has at most `below` bytes buffered (or is gone). */
export function whenDrained(ws: WebSocket, below: number): Promise<void> {
  const socket = socketOf(ws)
  if (!socket || socket.destroyed || ws.bufferedAmount <= below) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}
