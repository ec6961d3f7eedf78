import { describe, expect, test } from 'vitest'
import { connectWs, refusedUpgrade } from '@takashi/testing'
import {
  HYPERLIQUID_GREETING,
  hyperliquidEvents,
  startFakeHyperliquid,
} from '../src/hyperliquid/index.ts'
import { venuePerTest } from './venue.ts'

const start = venuePerTest(startFakeHyperliquid)

const trades = { type: 'trades', coin: 'BTC' }
const subscribe = (subscription: unknown) => ({ method: 'subscribe', subscription })
const trade = hyperliquidEvents.trade({
  coin: 'BTC',
  side: 'B',
  px: '69997.0',
  sz: '0.38111',
  time: 1_730_160_006_192,
  tid: 1016375172059570,
})

describe('fake Hyperliquid WebSocket', () => {
  test('greeting text, an ack echoing the subscription, then {channel, data} pushes', async () => {
    const hl = await start()
    expect(hl.wsUrl).toBe(`ws://127.0.0.1:${hl.port}/ws`)
    const client = await connectWs(hl.wsUrl)
    await expect.poll(() => client.messages).toEqual([HYPERLIQUID_GREETING])
    expect(await client.ask(subscribe(trades))).toEqual({
      channel: 'subscriptionResponse',
      data: { method: 'subscribe', subscription: trades },
    })
    await hl.waitForSubscriber('trades:BTC')
    hl.emit('trades:BTC', [trade])
    hl.emit('trades:BTC', [])
    hl.emit('trades:ETH', [{ ...trade, coin: 'ETH' }])
    await expect.poll(() => client.messages.length).toBe(4)
    expect(client.messages.slice(2)).toEqual([
      { channel: 'trades', data: [trade] },
      { channel: 'trades', data: [] },
    ])
    expect(trade).toEqual({
      coin: 'BTC',
      side: 'B',
      px: '69997.0',
      sz: '0.38111',
      time: 1_730_160_006_192,
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
      tid: 1016375172059570,
    })
    expect(hl.connections()).toMatchObject([{ url: '/ws', subscriptions: ['trades:BTC'] }])
  })

  test('candle data is one object; a spot context comes on activeSpotAssetCtx', async () => {
    const hl = await start({ greeting: false })
    const client = await connectWs(hl.wsUrl)
    await client.ask(subscribe({ type: 'candle', coin: 'BTC', interval: '1m' }))
    await client.ask(subscribe({ type: 'activeAssetCtx', coin: '@2' }))
    const candle = hyperliquidEvents.candle({
      coin: 'BTC',
      interval: '1m',
      openTime: 1_730_160_000_000,
      o: '69990.0',
      h: '69999.0',
      l: '69985.0',
      c: '69997.0',
      v: '3.51234',
      n: 41,
    })
    expect(candle).toMatchObject({ t: 1_730_160_000_000, T: 1_730_160_059_999, s: 'BTC', i: '1m' })
    hl.emit('candle:BTC:1m', candle)
    const ctx = hyperliquidEvents.assetCtx({
      funding: '0',
      openInterest: '0',
      markPx: '0.00005299',
    })
    hl.emit('activeAssetCtx:@2', hyperliquidEvents.activeAssetCtx('@2', ctx))
    await expect.poll(() => client.messages.length).toBe(4)
    expect(client.messages.slice(2)).toEqual([
      { channel: 'candle', data: candle },
      { channel: 'activeSpotAssetCtx', data: { coin: '@2', ctx } },
    ])
  })

  test('unsubscribe acks and stops delivery; bad requests get error frames', async () => {
    const hl = await start({ greeting: false })
    const client = await connectWs(hl.wsUrl)
    await client.ask(subscribe(trades))
    expect(await client.ask(subscribe(trades))).toEqual({
      channel: 'error',
      data: `Already subscribed: ${JSON.stringify(trades)}`,
    })
    expect(await client.ask({ method: 'unsubscribe', subscription: trades })).toEqual({
      channel: 'subscriptionResponse',
      data: { method: 'unsubscribe', subscription: trades },
    })
    expect(hl.connections()[0]?.subscriptions).toEqual([])
    for (const bad of [
      subscribe({ type: 'candle', coin: 'BTC', interval: '6h' }),
      subscribe({ type: 'trades' }),
      subscribe({ type: 'liquidations', coin: 'BTC' }),
    ]) {
      expect(await client.ask(bad)).toEqual({
        channel: 'error',
        data: `Invalid subscription ${JSON.stringify(bad.subscription)}`,
      })
    }
    expect(await client.ask('{not json')).toMatchObject({
      channel: 'error',
      data: expect.stringContaining('Error parsing JSON') as unknown,
    })
    hl.emit('trades:BTC', [trade])
    await client.ask({ method: 'ping' })
    expect(client.messages.at(-1)).toEqual({ channel: 'pong' })
    expect(client.messages).not.toContainEqual({ channel: 'trades', data: [trade] })
  })

  test('{"method":"ping"} gets {"channel":"pong"} unless answerPings(false)', async () => {
    const hl = await start({ greeting: false })
    const client = await connectWs(hl.wsUrl)
    expect(await client.ask({ method: 'ping' })).toEqual({ channel: 'pong' })
    hl.answerPings(false)
    client.ws.send('{"method":"ping"}')
    // an answer to a later frame proves no pong was sent before it
    expect(await client.ask(subscribe(trades))).toMatchObject({ channel: 'subscriptionResponse' })
    expect(
      client.messages.filter((frame) => JSON.stringify(frame) === '{"channel":"pong"}')
    ).toHaveLength(1)
    expect(hl.pingsReceived()).toBe(2)
  })

  test('a socket the server has sent nothing to for the idle limit is closed; pings keep it', async () => {
    const hl = await start({ greeting: false, idleTimeoutMs: 1_000 })
    const quiet = await connectWs(hl.wsUrl)
    const busy = await connectWs(hl.wsUrl)
    const pinger = setInterval(() => busy.ws.send('{"method":"ping"}'), 100)
    try {
      expect(await quiet.closed).toEqual({ code: 1000, reason: 'idle' })
      expect(busy.ws.readyState).toBe(busy.ws.OPEN)
    } finally {
      clearInterval(pinger)
    }
  })

  test('only /ws upgrades; dropConnections cuts sockets; emitRaw reaches everyone', async () => {
    const hl = await start({ greeting: false })
    expect((await refusedUpgrade(`ws://127.0.0.1:${hl.port}/`)).status).toBe(404)
    expect((await refusedUpgrade(`ws://127.0.0.1:${hl.port}/ws/extra`)).status).toBe(404)
    const client = await connectWs(hl.wsUrl)
    await hl.waitForConnections(1)
    hl.emitRaw('not json')
    await expect.poll(() => client.messages).toEqual(['not json'])
    hl.dropConnections()
    expect((await client.closed).code).toBe(1006)
    await expect.poll(() => hl.connections()).toEqual([])
    await expect(hl.waitForSubscriber('trades:ETH', 50)).rejects.toThrow(/timed out/)
  })
})
