import { describe, expect, test } from 'vitest'
import { connectWs } from '@takashi/testing'
import { okxEvents, startFakeOkx } from '../src/okx/index.ts'
import { venuePerTest } from './venue.ts'

const start = venuePerTest(startFakeOkx)

describe('fake OKX', () => {
  test('one ack per arg; pushes reach subscribers; text ping gets pong unless switched off', async () => {
    const venue = await start()
    const client = await connectWs(venue.publicUrl)
    const arg = { channel: 'trades', instId: 'BTC-USDT-SWAP' }
    client.ws.send(
      JSON.stringify({
        id: '7',
        op: 'subscribe',
        args: [arg, { channel: 'mark-price', instId: 'BTC-USDT-SWAP' }],
      })
    )
    await expect.poll(() => client.messages.length).toBe(2)
    expect(client.messages[0]).toMatchObject({ id: '7', event: 'subscribe', arg })
    const trade = okxEvents.trade({
      instId: 'BTC-USDT-SWAP',
      tradeId: '1',
      px: '1',
      sz: '30',
      side: 'sell',
      ts: 5,
    })
    venue.emit(arg, [trade])
    await expect.poll(() => client.messages.at(-1)).toEqual({ arg, data: [trade] })
    expect(await client.ask('ping')).toBe('pong')
    venue.answerPings(false)
    client.ws.send('ping')
    await expect.poll(() => venue.pingsReceived()).toBe(2)
    expect(client.messages.at(-1)).toBe('pong')
    expect(client.messages.filter((f) => f === 'pong')).toHaveLength(1)
  })

  test('candles only on /business, public channels only on /public; silence closes with 4004', async () => {
    const venue = await start({ idleTimeoutMs: 1_000 })
    const pub = await connectWs(venue.publicUrl)
    expect(
      await pub.ask({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT-SWAP' }] })
    ).toMatchObject({
      event: 'error',
      code: '64001',
    })
    const business = await connectWs(venue.businessUrl)
    expect(
      await business.ask({
        op: 'subscribe',
        args: [{ channel: 'trades', instId: 'BTC-USDT-SWAP' }],
      })
    ).toMatchObject({
      event: 'error',
      code: '64002',
    })
    expect(
      await business.ask({
        op: 'subscribe',
        args: [{ channel: 'candle1Dutc', instId: 'BTC-USDT-SWAP' }],
      })
    ).toMatchObject({
      event: 'subscribe',
    })
    expect((await pub.closed).code).toBe(4004)
  })

  test('REST: the string-code envelope, newest-first candles, instruments with contract sizes', async () => {
    const venue = await start()
    const rows = [0, 1, 2].map((i) =>
      okxEvents.candle({
        ts: i * 60_000,
        o: 1,
        h: 2,
        l: 0.5,
        c: 1.5,
        vol: 30,
        contractSize: 0.01,
        volCcyQuote: 45,
        confirm: true,
      })
    )
    venue.rest.setCandles('BTC-USDT-SWAP', '1m', rows)
    const body = await (
      await fetch(`${venue.restUrl}/api/v5/market/candles?instId=BTC-USDT-SWAP&bar=1m&after=120000`)
    ).json()
    expect(body).toEqual({ code: '0', msg: '', data: [rows[1], rows[0]] })
    expect(rows[0]?.[6]).toBe('0.3')
    const bad = await (
      await fetch(
        `${venue.restUrl}/api/v5/public/open-interest?instType=SWAP&instId=NOPE-USDT-SWAP`
      )
    ).json()
    expect(bad).toEqual({ code: '51001', msg: 'Instrument ID does not exist', data: [] })
    const instruments = (await (
      await fetch(`${venue.restUrl}/api/v5/public/instruments?instType=SWAP`)
    ).json()) as {
      data: { instId: string; ctVal: string }[]
    }
    expect(instruments.data.find((i) => i.instId === 'BTC-USDT-SWAP')?.ctVal).toBe('0.01')
    venue.rest.failNext('/api/v5/market/candles', 429)
    const limited = await fetch(`${venue.restUrl}/api/v5/market/candles?instId=BTC-USDT-SWAP`)
    expect(limited.status).toBe(429)
    expect(await limited.json()).toMatchObject({ code: '50011' })
  })
})
