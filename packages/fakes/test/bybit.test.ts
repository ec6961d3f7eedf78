import { describe, expect, test } from 'vitest'
import { connectWs, refusedUpgrade } from '@takashi/testing'
import { bybitEvents, bybitKlineRow, bybitTopic, startFakeBybit } from '../src/bybit/index.ts'
import { venuePerTest } from './venue.ts'

const start = venuePerTest(startFakeBybit)

describe('fake Bybit WebSocket', () => {
  test('subscribe is acked once per request; data reaches only subscribers of its topic', async () => {
    const bybit = await start({ now: () => 1_700_000_000_000 })
    const client = await connectWs(bybit.wsUrl)
    const other = await connectWs(bybit.wsUrl)
    const ack = await client.ask(
      JSON.stringify({
        req_id: 'a1',
        op: 'subscribe',
        args: ['publicTrade.BTCUSDT', 'kline.1.BTCUSDT'],
      })
    )
    expect(ack).toMatchObject({ success: true, ret_msg: '', req_id: 'a1', op: 'subscribe' })
    expect(bybit.connections().map((c) => c.topics)).toContainEqual([
      'publicTrade.BTCUSDT',
      'kline.1.BTCUSDT',
    ])
    const trade = bybitEvents.trade({
      symbol: 'BTCUSDT',
      side: 'Sell',
      price: '64000.5',
      size: '0.01',
      time: 1,
      id: 'abc',
    })
    bybit.emit(bybitTopic.trades('BTCUSDT'), [trade])
    await expect.poll(() => client.messages.length).toBe(2)
    expect(client.messages[1]).toEqual({
      topic: 'publicTrade.BTCUSDT',
      type: 'snapshot',
      ts: 1_700_000_000_000,
      data: [
        {
          T: 1,
          s: 'BTCUSDT',
          S: 'Sell',
          v: '0.01',
          p: '64000.5',
          L: 'PlusTick',
          i: 'abc',
          BT: false,
          RPI: false,
        },
      ],
    })
    expect(other.messages).toEqual([])
    expect(bybitTopic.kline('1h', 'BTCUSDT')).toBe('kline.60.BTCUSDT')
  })

  test('a bad topic fails the whole request; unsubscribe stops delivery', async () => {
    const bybit = await start()
    const client = await connectWs(bybit.wsUrl)
    expect(
      await client.ask(
        JSON.stringify({ op: 'subscribe', args: ['tickers.BTCUSDT', 'kline.7.BTCUSDT'] })
      )
    ).toMatchObject({
      success: false,
      ret_msg: 'Invalid topic :[kline.7.BTCUSDT]',
      op: 'subscribe',
    })
    expect(bybit.connections()[0]?.topics).toEqual([])
    await client.ask(JSON.stringify({ op: 'subscribe', args: ['tickers.BTCUSDT'] }))
    await client.ask(JSON.stringify({ op: 'unsubscribe', args: ['tickers.BTCUSDT'] }))
    bybit.emit('tickers.BTCUSDT', bybitEvents.ticker('BTCUSDT', { markPrice: 1 }))
    // the socket is ordered: the answer to a later request comes next only if nothing was sent
    expect(await client.ask('nonsense')).toMatchObject({ success: false })
    expect(client.messages).toHaveLength(4)
  })

  test('{"op":"ping"} gets the linear pong unless answerPings(false)', async () => {
    const bybit = await start()
    const client = await connectWs(bybit.wsUrl)
    expect(await client.ask('{"req_id":"7","op":"ping"}')).toMatchObject({
      success: true,
      ret_msg: 'pong',
      req_id: '7',
      op: 'ping',
    })
    bybit.answerPings(false)
    client.ws.send('{"op":"ping"}')
    await expect.poll(() => bybit.pingsReceived()).toBe(2)
    // the socket is ordered: a later request's answer comes next only if no pong was sent
    expect(await client.ask('nonsense')).toMatchObject({ success: false })
    expect(client.messages).toHaveLength(2)
  })

  test('a client that sends nothing for the idle limit is cut; other paths are 404', async () => {
    const bybit = await start({ idleTimeoutMs: 100 })
    const client = await connectWs(bybit.wsUrl)
    const quiet = await client.closed
    expect(quiet.code).toBe(1006)
    expect((await refusedUpgrade(bybit.wsUrl.replace('/linear', '/spot'))).status).toBe(404)
  })
})

describe('fake Bybit REST', () => {
  test('kline answers newest first within start/end and limit, in the v5 envelope', async () => {
    const bybit = await start({ now: () => 42 })
    const rows = [0, 1, 2, 3].map((i) =>
      bybitKlineRow({
        interval: '1m',
        start: i * 60_000,
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: 10,
        turnover: 15,
      })
    )
    bybit.rest.setKlines('BTCUSDT', '1m', rows)
    const answer = await fetch(
      `${bybit.restUrl}/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&start=60000&limit=2`
    )
    expect(await answer.json()).toEqual({
      retCode: 0,
      retMsg: 'OK',
      result: { category: 'linear', symbol: 'BTCUSDT', list: [rows[3], rows[2]] },
      retExtInfo: {},
      time: 42,
    })
    expect(bybit.requests.at(-1)).toMatchObject({
      path: '/v5/market/kline',
      query: { start: '60000' },
    })
  })

  test('errors come with HTTP 200 and a retCode; a flood gets HTTP 403', async () => {
    const bybit = await start({ requestsPer5s: 3 })
    const ask = (path: string) => fetch(`${bybit.restUrl}${path}`)
    const bad = await ask('/v5/market/kline?category=linear&symbol=NOPEUSDT&interval=1')
    expect(bad.status).toBe(200)
    expect(await bad.json()).toMatchObject({
      retCode: 10001,
      retMsg: 'params error: symbol invalid',
    })
    expect(await (await ask('/v5/market/tickers?category=spot')).json()).toMatchObject({
      retCode: 10001,
    })
    bybit.rest.setTicker('BTCUSDT', { markPrice: '64000', openInterest: '5' })
    expect(
      await (await ask('/v5/market/tickers?category=linear&symbol=BTCUSDT')).json()
    ).toMatchObject({
      result: { list: [{ symbol: 'BTCUSDT', markPrice: '64000', openInterest: '5' }] },
    })
    const flooded = await ask('/v5/market/instruments-info?category=linear')
    expect(flooded.status).toBe(403)
    expect(await flooded.text()).toBe('access too frequent')
  })

  test('instruments list perpetuals, futures and USDC contracts; failNext injects an answer', async () => {
    const bybit = await start()
    const body = (await (
      await fetch(`${bybit.restUrl}/v5/market/instruments-info?category=linear`)
    ).json()) as {
      result: { list: { symbol: string; contractType: string; settleCoin: string }[] }
    }
    expect(body.result.list.map((item) => item.symbol)).toContain('BTC-26DEC25')
    bybit.rest.failNext('/v5/market/open-interest', 500, 'Internal Server Error')
    const failed = await fetch(
      `${bybit.restUrl}/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min`
    )
    expect(failed.status).toBe(500)
  })

  test('funding history: newest first up to endTime; a start time alone is refused', async () => {
    const bybit = await start({ now: () => 7 })
    bybit.rest.setInstruments([{ symbol: 'BTCUSDT', fundingInterval: null }])
    const instruments = (await (
      await fetch(`${bybit.restUrl}/v5/market/instruments-info?category=linear`)
    ).json()) as { result: { list: Record<string, unknown>[] } }
    expect(instruments.result.list[0]).not.toHaveProperty('fundingInterval')
    const HOUR = 3_600_000
    bybit.rest.setFundingHistory(
      'BTCUSDT',
      [1, 2, 3].map((i) => ({ fundingRate: `0.000${i}`, fundingRateTimestamp: i * HOUR }))
    )
    const ask = async (query: string) =>
      (await (
        await fetch(`${bybit.restUrl}/v5/market/funding/history?category=linear&${query}`)
      ).json()) as Record<string, unknown>
    expect(await ask(`symbol=BTCUSDT&endTime=${2 * HOUR}&limit=5`)).toEqual({
      retCode: 0,
      retMsg: 'OK',
      result: {
        category: 'linear',
        list: [
          { symbol: 'BTCUSDT', fundingRate: '0.0002', fundingRateTimestamp: String(2 * HOUR) },
          { symbol: 'BTCUSDT', fundingRate: '0.0001', fundingRateTimestamp: String(HOUR) },
        ],
      },
      retExtInfo: {},
      time: 7,
    })
    expect(await ask('symbol=BTCUSDT&limit=1')).toMatchObject({
      result: { list: [{ fundingRateTimestamp: String(3 * HOUR) }] },
    })
    expect(await ask('symbol=BTCUSDT&startTime=0')).toMatchObject({ retCode: 10001 })
    expect(await ask('symbol=ETHUSDT')).toMatchObject({ retCode: 10001 })
  })
})

describe('fake Bybit tickers', () => {
  test('a new tickers subscriber gets the state as a snapshot, then deltas', async () => {
    const bybit = await start({ now: () => 5 })
    bybit.rest.setTicker('BTCUSDT', {
      markPrice: '64000',
      openInterest: '10',
      fundingRate: '0.0001',
    })
    const client = await connectWs(bybit.wsUrl)
    await client.ask(JSON.stringify({ op: 'subscribe', args: ['tickers.BTCUSDT'] }))
    await expect.poll(() => client.messages.length).toBe(2)
    expect(client.messages[1]).toEqual({
      topic: 'tickers.BTCUSDT',
      type: 'snapshot',
      ts: 5,
      data: { symbol: 'BTCUSDT', markPrice: '64000', openInterest: '10', fundingRate: '0.0001' },
    })
    bybit.emit('tickers.BTCUSDT', bybitEvents.ticker('BTCUSDT', { openInterest: '11' }), 'delta')
    await expect
      .poll(() => client.messages.at(-1))
      .toEqual({
        topic: 'tickers.BTCUSDT',
        type: 'delta',
        ts: 5,
        data: { symbol: 'BTCUSDT', openInterest: '11' },
      })
  })
})
