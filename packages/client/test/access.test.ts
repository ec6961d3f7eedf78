import { expect } from 'vitest'
import { redisTest as test } from '@takashi/testing'
// the key store as `pnpm keys create` uses it (the CLI's own module)
import { createKeyStore } from '../../../services/gateway/src/access/api-keys.ts'
import { streamPaths, TakashiError, type StreamStatus } from '../src/node.ts'
import { startStack } from './stack.ts'

test('API keys: the header on REST, api_key on the WebSocket; a refused key ends the stream with 401', async ({
  redis,
  redisUrl,
  keys,
}) => {
  const stack = await startStack({ redis, redisUrl, keys }, { apiKeys: 'required' })
  const { key } = await createKeyStore(redis, keys).create({ name: 'client test' })

  const anonymous = stack.client()
  const refused = await anonymous.exchanges().catch((err: unknown) => err)
  expect(refused).toBeInstanceOf(TakashiError)
  expect(refused).toMatchObject({ status: 401, code: 'unauthorized' })
  // the probes never need a key
  expect(await anonymous.livez()).toEqual({ status: 'ok' })

  const statuses: StreamStatus[] = []
  const refusedStream = anonymous.stream()
  refusedStream.onStatus((status) => statuses.push(status))
  refusedStream.subscribe(streamPaths.liquidations(), () => undefined)
  await expect.poll(() => refusedStream.state).toBe('closed')
  expect(statuses.at(-1)?.error).toMatchObject({ status: 401, code: 'unauthorized' })
  expect(statuses.filter((status) => status.state === 'reconnecting')).toEqual([])

  const keyed = stack.client({ apiKey: key })
  expect((await keyed.exchanges()).map((exchange) => exchange.name)).toEqual(['binance'])
  const stream = keyed.stream()
  const quantities: number[] = []
  let live = false
  stream.subscribe(streamPaths.liquidations(), {
    onData: (record) => quantities.push(record.quantity),
    onSubscribed: () => (live = true),
  })
  await expect.poll(() => live).toBe(true)
  stack.liquidate(0.7)
  await expect.poll(() => quantities).toEqual([0.7])
})
