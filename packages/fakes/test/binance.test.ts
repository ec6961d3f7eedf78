import { describe, expect, test } from 'vitest'
import { connectWs, refusedUpgrade, type WsClient } from '@takashi/testing'
import { binanceEvents, startFakeBinance } from '../src/binance/index.ts'
import { venuePerTest } from './venue.ts'

const start = venuePerTest(startFakeBinance)
/** Sends a request frame and resolves with the frame answering its id. */
function request(client: WsClient, frame: { method: string; params?: unknown[]; id: number }) {
  client.send(frame)
  return client.waitFor((message) => (message as { id?: unknown }).id === frame.id)
}

const trade = binanceEvents.aggTrade({
  symbol: 'BTCUSDT',
  price: '60000.10',
  qty: '0.250',
  buyerIsMaker: true,
  id: 42,
  time: 1_700_000_000_000,
})
const book = {
  e: 'bookTicker',
  u: 1,
  s: 'BTCUSDT',
  b: '60000.00',
  B: '1.000',
  a: '60000.10',
  A: '2.000',
}

describe('fake Binance WebSocket', () => {
  test('combined mode wraps events in {stream, data}; raw mode sends them bare', async () => {
    const binance = await start()
    const combined = await connectWs(`${binance.wsUrl}/market/stream?streams=btcusdt@aggTrade`)
    const raw = await connectWs(`${binance.wsUrl}/market/ws/btcusdt@aggTrade`)
    await binance.waitForConnections(2)
    binance.emit('btcusdt@aggTrade', trade)
    await expect
      .poll(() => combined.messages)
      .toEqual([{ stream: 'btcusdt@aggTrade', data: trade }])
    await expect.poll(() => raw.messages).toEqual([trade])
    expect(trade).toMatchObject({
      e: 'aggTrade',
      s: 'BTCUSDT',
      p: '60000.10',
      q: '0.250',
      a: 42,
      m: true,
    })
  })

  test('the unrouted root acks market subscriptions but delivers only bookTicker/depth', async () => {
    const binance = await start()
    const legacy = await connectWs(`${binance.wsUrl}/ws`)
    const ack = await request(legacy, {
      method: 'SUBSCRIBE',
      params: ['btcusdt@aggTrade', 'btcusdt@bookTicker'],
      id: 1,
    })
    expect(ack).toEqual({ result: null, id: 1 })
    binance.emit('btcusdt@aggTrade', trade)
    binance.emit('btcusdt@bookTicker', book)
    // frames arrive in order, so once the bookTicker is here the aggTrade was dropped
    await expect.poll(() => legacy.messages.length).toBe(2)
    expect(legacy.messages[1]).toEqual(book)
  })

  test('/market carries market streams only and /public carries bookTicker/depth only', async () => {
    const binance = await start()
    const streams = 'btcusdt@aggTrade/btcusdt@bookTicker'
    const market = await connectWs(`${binance.wsUrl}/market/stream?streams=${streams}`)
    const pub = await connectWs(`${binance.wsUrl}/public/stream?streams=${streams}`)
    binance.emit('btcusdt@bookTicker', book)
    binance.emit('btcusdt@aggTrade', trade)
    await expect.poll(() => market.messages).toEqual([{ stream: 'btcusdt@aggTrade', data: trade }])
    await expect.poll(() => pub.messages).toEqual([{ stream: 'btcusdt@bookTicker', data: book }])
  })

  test('other paths are refused with 404 at the upgrade', async () => {
    const binance = await start()
    expect((await refusedUpgrade(`${binance.wsUrl}/private/ws`)).status).toBe(404)
    expect((await refusedUpgrade(`${binance.wsUrl}/market/feed`)).status).toBe(404)
    expect(binance.connections()).toEqual([])
  })

  test('SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE change what is delivered', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/ws`)
    expect(
      await request(client, {
        method: 'SUBSCRIBE',
        params: ['btcusdt@aggTrade', 'btcusdt@kline_1m'],
        id: 1,
      })
    ).toEqual({
      result: null,
      id: 1,
    })
    await binance.waitForSubscriber('btcusdt@kline_1m')
    expect(await request(client, { method: 'LIST_SUBSCRIPTIONS', id: 2 })).toEqual({
      result: ['btcusdt@aggTrade', 'btcusdt@kline_1m'],
      id: 2,
    })
    expect(binance.connections()).toMatchObject([
      { path: '/market/ws', streams: ['btcusdt@aggTrade', 'btcusdt@kline_1m'], route: 'market' },
    ])
    expect(
      await request(client, { method: 'UNSUBSCRIBE', params: ['btcusdt@aggTrade'], id: 3 })
    ).toEqual({
      result: null,
      id: 3,
    })
    binance.emit('btcusdt@aggTrade', trade)
    binance.emit('btcusdt@kline_1m', { e: 'kline' })
    await expect.poll(() => client.messages.at(-1)).toEqual({ e: 'kline' })
    expect(client.messages).not.toContainEqual(trade)
  })

  test('SET_PROPERTY combined switches the framing; GET_PROPERTY reads it', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/ws/btcusdt@aggTrade`)
    expect(await request(client, { method: 'GET_PROPERTY', params: ['combined'], id: 1 })).toEqual({
      result: false,
      id: 1,
    })
    expect(
      await request(client, { method: 'SET_PROPERTY', params: ['combined', true], id: 2 })
    ).toEqual({ result: null, id: 2 })
    binance.emit('btcusdt@aggTrade', trade)
    await expect
      .poll(() => client.messages.at(-1))
      .toEqual({ stream: 'btcusdt@aggTrade', data: trade })
  })

  test('malformed and unknown requests get Binance error frames', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/ws`)
    const ask = (value: unknown) =>
      client.ask(typeof value === 'string' ? value : JSON.stringify(value))
    expect(await ask('{not json')).toMatchObject({
      code: 3,
      msg: expect.stringContaining('Invalid JSON') as unknown,
    })
    expect(await ask({ method: 'SUBSCRIBE', params: [], id: 'a' })).toEqual({
      code: 2,
      msg: 'Invalid request: request ID must be an unsigned integer',
    })
    expect(await ask({ method: 'SUBSCRIBE', params: [], id: -1 })).toMatchObject({ code: 2 })
    expect(await ask({ method: 'PING', id: 4 })).toMatchObject({
      code: 2,
      msg: expect.stringMatching(
        /^Invalid request: unknown variant `PING`, expected one of `SUBSCRIBE`/
      ) as unknown,
    })
    expect(await ask({ method: 'SET_PROPERTY', params: [5, true], id: 5 })).toEqual({
      code: 2,
      msg: 'Invalid request: property name must be a string',
    })
    expect(await ask({ method: 'SET_PROPERTY', params: ['speed', true], id: 6 })).toMatchObject({
      code: 0,
      msg: 'Unknown property',
    })
    expect(await ask({ method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 7 })).toEqual({
      code: 1,
      msg: 'Invalid value type: expected Boolean',
    })
  })

  test('more than 10 incoming messages within a second closes the connection', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/ws`)
    for (let id = 1; id <= 10; id++)
      client.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }))
    await expect.poll(() => client.messages.length).toBe(10)
    expect(binance.connections()).toHaveLength(1)
    client.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 11 }))
    expect((await client.closed).code).toBe(1008)
    await expect.poll(() => binance.connections()).toEqual([])
  })

  test('the server pings; a client that never pongs is dropped', async () => {
    const binance = await start({ pingIntervalMs: 150, pongTimeoutMs: 1_000 })
    const polite = await connectWs(`${binance.wsUrl}/market/ws`)
    const silent = await connectWs(`${binance.wsUrl}/market/ws`, { autoPong: false })
    let pingsSeen = 0
    polite.ws.on('ping', () => (pingsSeen += 1))
    await expect.poll(() => pingsSeen).toBeGreaterThanOrEqual(3)
    expect((await silent.closed).code).toBe(1006)
    expect(polite.ws.readyState).toBe(polite.ws.OPEN)
  })

  test('connections end at the lifetime limit (24 h on Binance)', async () => {
    const binance = await start({ lifetimeMs: 200 })
    const client = await connectWs(`${binance.wsUrl}/market/ws`)
    expect(await client.closed).toEqual({ code: 1000, reason: 'connection lifetime reached' })
  })

  test('client pings are answered unless answerPings(false)', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/ws`)
    let pongs = 0
    client.ws.on('pong', () => (pongs += 1))
    client.ws.ping()
    await expect.poll(() => pongs).toBe(1)

    binance.answerPings(false)
    client.ws.ping()
    // the pong would precede the answer to a later frame on the same socket
    await request(client, { method: 'LIST_SUBSCRIPTIONS', id: 1 })
    expect(pongs).toBe(1)
    expect(binance.pingsReceived()).toBe(2)
  })

  test('dropConnections cuts every socket without a close frame', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/stream?streams=btcusdt@aggTrade`)
    await binance.waitForSubscriber('btcusdt@aggTrade')
    binance.dropConnections()
    expect((await client.closed).code).toBe(1006)
    await expect.poll(() => binance.connections()).toEqual([])
  })

  test('emitRaw reaches every client whatever its subscriptions', async () => {
    const binance = await start()
    const client = await connectWs(`${binance.wsUrl}/market/ws`)
    await binance.waitForConnections(1)
    binance.emitRaw('{"unexpected":true}')
    await expect.poll(() => client.messages).toEqual([{ unexpected: true }])
  })

  test('waitForSubscriber rejects after its timeout', async () => {
    const binance = await start()
    await expect(binance.waitForSubscriber('ethusdt@aggTrade', 50)).rejects.toThrow(/timed out/)
  })
})
