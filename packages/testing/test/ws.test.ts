import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocketServer } from 'ws'
import { connectWs, refusedUpgrade } from '../src/ws.ts'

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

/** Echoes JSON back with `echo: true`, answers `ping` with `pong`; refuses /refused with 429. */
async function startServer(): Promise<string> {
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    if (request.url === '/refused') {
      socket.end(
        'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Type: application/json\r\n' +
          'Content-Length: 16\r\n\r\n{"error":"slow"}'
      )
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('message', (data: Buffer) => {
        const text = data.toString()
        ws.send(text === 'ping' ? 'pong' : JSON.stringify({ ...JSON.parse(text), echo: true }))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = async () => {
    for (const ws of wss.clients) ws.terminate()
    await new Promise((resolve) => server.close(resolve))
  }
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('connectWs', () => {
  test('keeps texts and parsed messages; ask and waitFor answer in order', async () => {
    const url = await startServer()
    const client = await connectWs(url)
    expect(await client.ask('ping')).toBe('pong')
    expect(await client.ask({ id: 1 })).toEqual({ id: 1, echo: true })
    client.send({ id: 2 })
    expect(await client.waitFor((m) => (m as { id?: number }).id === 2)).toEqual({
      id: 2,
      echo: true,
    })
    expect(client.texts).toEqual(['pong', '{"id":1,"echo":true}', '{"id":2,"echo":true}'])
  })

  test('a refused upgrade reports status, parsed body and Retry-After', async () => {
    const url = await startServer()
    expect(await refusedUpgrade(`${url}/refused`)).toEqual({
      status: 429,
      body: { error: 'slow' },
      retryAfter: '3',
    })
    await expect(refusedUpgrade(url)).rejects.toThrow(/was accepted/)
  })
})
