import { once } from 'node:events'
import { expect } from 'vitest'
import WebSocket from 'ws'

/** A real ws client that keeps every text frame it receives, parsed. */
export interface TestClient {
  ws: WebSocket
  messages: unknown[]
  /** sends a JSON frame and waits for the frame answering `id` */
  request(frame: { method: string; params?: unknown[]; id: number }): Promise<unknown>
  /** sends any text and waits for the next frame to arrive */
  sendAndWait(text: string): Promise<unknown>
  closed: Promise<{ code: number; reason: string }>
}

const opened: WebSocket[] = []

export async function connect(
  url: string,
  options: WebSocket.ClientOptions = {}
): Promise<TestClient> {
  const ws = new WebSocket(url, options)
  opened.push(ws)
  const messages: unknown[] = []
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  )
  await once(ws, 'open')
  return {
    ws,
    messages,
    closed,
    async request(frame) {
      ws.send(JSON.stringify(frame))
      const isAnswer = (message: unknown) => (message as { id?: unknown }).id === frame.id
      await expect.poll(() => messages.some(isAnswer)).toBe(true)
      return messages.find(isAnswer)
    },
    async sendAndWait(text) {
      const before = messages.length
      ws.send(text)
      await expect.poll(() => messages.length).toBeGreaterThan(before)
      return messages[before]
    },
  }
}

/** Terminates every client opened by `connect`. */
export function closeClients(): void {
  for (const ws of opened.splice(0)) ws.terminate()
}

/** The HTTP status with which an upgrade to `url` is refused. */
export async function upgradeStatus(url: string): Promise<number> {
  const ws = new WebSocket(url)
  opened.push(ws)
  ws.on('error', () => {})
  const [request, response] = (await once(ws, 'unexpected-response')) as [
    { destroy(): void },
    { statusCode: number },
  ]
  request.destroy()
  return response.statusCode
}
