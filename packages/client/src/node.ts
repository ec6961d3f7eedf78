import WebSocket from 'ws'
import { createClient as createUniversalClient, type ClientOptions } from './index.ts'
import type { WebSocketConstructor } from './stream.ts'

// Node entry: Node 20 has no global WebSocket, so the ws package stands in for it. Browsers
// resolve the package's `browser` entry (index.ts), which imports nothing of Node.
export * from './index.ts'

const NodeWebSocket =
  (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
  (WebSocket as unknown as WebSocketConstructor)

/** A client of one takashi gateway: REST calls and `/ws` streams (ws package where needed). */
export function createClient(options: ClientOptions = {}) {
  return createUniversalClient({ WebSocket: NodeWebSocket, ...options })
}
