import { once } from 'node:events'
import { expect, onTestFinished } from 'vitest'
import WebSocket from 'ws'

/** A real ws client that keeps every text message it receives, in order. */
export interface WsClient {
  ws: WebSocket
  /** every message as the text received */
  texts: string[]
  /** every message parsed as JSON; text that is not JSON (a greeting, `pong`) kept as is */
  messages: unknown[]
  closed: Promise<{ code: number; reason: string }>
  /** sends a string as is, anything else as JSON */
  send(value: unknown): void
  /** sends and resolves with the next message to arrive */
  ask(value: unknown): Promise<unknown>
  /** resolves with the first message (received before or after the call) that matches */
  waitFor(match: (message: unknown) => boolean): Promise<unknown>
}

const open = new Set<WebSocket>()

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Registers the socket for termination after the current test (or closeWsClients()). */
function track(ws: WebSocket): void {
  open.add(ws)
  ws.once('close', () => open.delete(ws))
  try {
    onTestFinished(() => ws.terminate())
  } catch {
    // outside a running test (a hook, a helper's setup): closeWsClients() ends it
  }
}

/**
 * Opens a client on `url` and resolves once it is open (rejects if it fails to). Clients opened
 * in a test are terminated when the test finishes.
 */
export async function connectWs(
  url: string,
  options: WebSocket.ClientOptions = {}
): Promise<WsClient> {
  const ws = new WebSocket(url, options)
  track(ws)
  const texts: string[] = []
  const messages: unknown[] = []
  ws.on('message', (data: Buffer) => {
    const text = data.toString()
    texts.push(text)
    messages.push(parse(text))
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  )
  await once(ws, 'open')
  // a later error also closes the socket, which `closed` reports
  ws.on('error', () => {})
  const send = (value: unknown) =>
    ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  return {
    ws,
    texts,
    messages,
    closed,
    send,
    async ask(value) {
      const before = messages.length
      send(value)
      await expect.poll(() => messages.length).toBeGreaterThan(before)
      return messages[before]
    },
    async waitFor(match) {
      await expect.poll(() => messages.some(match)).toBe(true)
      return messages.find(match)
    },
  }
}

/** Terminates every client connectWs opened that is still open. */
export function closeWsClients(): void {
  for (const ws of open) ws.terminate()
  open.clear()
}

/**
 * The HTTP answer with which an upgrade to `url` is refused: status, body (JSON parsed, else
 * text) and Retry-After if sent; rejects if the upgrade is accepted.
 */
export async function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: unknown; retryAfter?: string | undefined }> {
  const ws = new WebSocket(url, { headers })
  track(ws)
  ws.on('error', () => {})
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close()
      reject(new Error(`upgrade to ${url} was accepted`))
    })
    ws.once('unexpected-response', (request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => {
        // retryAfter is undefined unless the refusal carries one (toEqual ignores undefined)
        resolve({
          status: response.statusCode ?? 0,
          body: parse(body),
          retryAfter: response.headers['retry-after'],
        })
        request.destroy()
      })
    })
  })
}
