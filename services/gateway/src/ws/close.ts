import { WebSocket } from 'ws'

/**
 * Closes `ws` with `code` and resolves once it is closed. A peer that does not complete the
 * close handshake within `graceMs` is terminated: ws itself would wait 30 s, and a stopping
 * server cannot close its listener while the socket stays open.
 */
export function closeWithin(
  ws: WebSocket,
  code: number,
  reason: string,
  graceMs: number
): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), graceMs)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.close(code, reason)
  })
}

/** Close code of a client that broke a rule: too many messages, a revoked key (RFC 6455). */
export const CLOSE_POLICY = 1008
