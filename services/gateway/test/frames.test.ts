import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { frameText, writeFrames } from '../src/ws/frames.ts'

const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

test('frames written in one batch arrive as separate messages, in order', async () => {
  const server = createServer()
  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  closers.push(() => {
    wss.close()
    server.close()
  })
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
  closers.push(() => client.terminate())
  const received: string[] = []
  client.on('message', (data: Buffer) => received.push(data.toString()))
  const peer = await serverSide

  const payloads = ['{"a":1}', 'x'.repeat(300), 'é'.repeat(40_000)]
  expect(
    writeFrames(
      peer,
      payloads.map((text) => frameText(Buffer.from(text)))
    )
  ).toBe(true)
  peer.send('after') // ws's own sends interleave at frame boundaries
  await expect.poll(() => received).toEqual([...payloads, 'after'])

  peer.terminate()
  await new Promise((resolve) => peer.once('close', resolve))
  expect(writeFrames(peer, [frameText(Buffer.from('late'))])).toBe(false)
})
