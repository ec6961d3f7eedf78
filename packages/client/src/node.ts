import WebSocket from 'ws'
import { createClient as createUniversalClient, type ClientOptions } from './index.ts'
import type { WebSocketConstructor } from './stream.ts'

// Node entry: the ws package, on every Node version. Node 20 has no global WebSocket, and Node
// 22's does not show the gateway's pings, which tell a silent peer from a dead one
// (StreamOptions.silenceMs). Browsers resolve the package's `browser` entry (index.ts), which
// imports nothing of Node.
export * from './index.ts'

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor

/** A client of one takashi gateway: REST calls and `/ws` streams (the ws package). */
export function createClient(options: ClientOptions = {}) {
  return createUniversalClient({ WebSocket: NodeWebSocket, ...options })
}
