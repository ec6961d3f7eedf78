import { describe, expect, test } from 'vitest'
import { createConnections, MAX_TOPICS_PER_CONNECTION, PING_FRAME } from './subscriptions.ts'
import { fromNative, intervalFromNative, toNative } from './symbols.ts'

const URLS = { ws: 'wss://stream.bybit.com/v5/public/linear', rest: 'https://api.bybit.com' }

describe('Bybit subscriptions', () => {
  test("a symbol's topics, ten per subscribe frame, with the 20 s ping", () => {
    const [connection, ...rest] = createConnections(URLS, ['BTCUSDT', 'ETHUSDT'], ['1m', '1h'])
    expect(rest).toEqual([])
    expect(connection?.url).toBe(URLS.ws)
    expect(connection?.streams.map((s) => s.name)).toEqual([
      'tickers.BTCUSDT',
      'publicTrade.BTCUSDT',
      'allLiquidation.BTCUSDT',
      'kline.1.BTCUSDT',
      'kline.60.BTCUSDT',
      'tickers.ETHUSDT',
      'publicTrade.ETHUSDT',
      'allLiquidation.ETHUSDT',
      'kline.1.ETHUSDT',
      'kline.60.ETHUSDT',
    ])
    // only tickers push whatever the market does
    expect(connection?.streams.filter((s) => s.busy).map((s) => s.name)).toEqual([
      'tickers.BTCUSDT',
      'tickers.ETHUSDT',
    ])
    expect(connection?.subscribe.map((frame) => JSON.parse(frame) as unknown)).toEqual([
      { op: 'subscribe', args: connection?.streams.map((s) => s.name) },
    ])
    expect(connection?.heartbeat).toEqual({
      kind: 'message',
      frame: PING_FRAME,
      intervalMs: 20_000,
      timeoutMs: 10_000,
    })
    expect(PING_FRAME).toBe('{"op":"ping"}')
  })

  test('many symbols spread over sockets without splitting a symbol; bad symbols skipped', () => {
    const symbols = Array.from({ length: 60 }, (_, i) => `C${i}USDT`)
    const connections = createConnections(URLS, [...symbols, 'BTCPERP'], ['1m'])
    expect(connections.map((c) => c.streams.length)).toEqual([200, 40])
    expect(connections.every((c) => c.streams.length <= MAX_TOPICS_PER_CONNECTION)).toBe(true)
    expect(connections.flatMap((c) => c.subscribe)).toHaveLength(24)
  })

  test('a missing URL is a type error', () => {
    // @ts-expect-error the WebSocket URL is required
    const withoutWs = () => createConnections({ rest: URLS.rest }, ['BTCUSDT'], ['1m'])
    expect(withoutWs).toBeTypeOf('function')
  })

  test('symbols and intervals', () => {
    expect(toNative('BTCUSDT')).toBe('BTCUSDT')
    expect(fromNative('1000PEPEUSDT')).toBe('1000PEPEUSDT')
    for (const other of ['BTCPERP', 'BTC-26DEC25', 'BTCUSD']) expect(fromNative(other)).toBeNull()
    expect(intervalFromNative('D')).toBe('1d')
    expect(intervalFromNative('360')).toBe('6h')
    expect(intervalFromNative('W')).toBeNull()
  })
})
