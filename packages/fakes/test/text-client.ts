import { once } from 'node:events'
import { expect } from 'vitest'
import WebSocket from 'ws'

/** A real ws client keeping every text frame: JSON parsed, anything else as its text. */
export interface HyperliquidTestClient {
  ws: WebSocket
  frames: unknown[]
  /** sends a JSON frame and waits for the next frame to arrive */
  ask(value: unknown): Promise<unknown>
  closed: Promise<{ code: number; reason: string }>
}

const opened: WebSocket[] = []

export async function connectHyperliquid(url: string): Promise<HyperliquidTestClient> {
  const ws = new WebSocket(url)
  opened.push(ws)
  const frames: unknown[] = []
  ws.on('message', (data: Buffer) => {
    const text = data.toString()
    try {
      frames.push(JSON.parse(text))
    } catch {
      frames.push(text)
    }
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  )
  await once(ws, 'open')
  return {
    ws,
    frames,
    closed,
    async ask(value) {
      const before = frames.length
      ws.send(typeof value === 'string' ? value : JSON.stringify(value))
      await expect.poll(() => frames.length).toBeGreaterThan(before)
      return frames[before]
    },
  }
}

/** Terminates every client opened by `connectHyperliquid`. */
export function closeHyperliquidClients(): void {
  for (const ws of opened.splice(0)) ws.terminate()
}
