import { describe, expect, test } from 'vitest'
import { INTERVALS } from '@takashi/schemas'
import { binance } from './index.ts'

const urls = { ws: 'ws://127.0.0.1:9000', rest: 'http://127.0.0.1:9001' }

describe('connections', () => {
  test('one combined connection on the routed /market path with every stream in the URL', () => {
    const specs = binance.connections(urls, ['BTCUSDT', 'ETHUSDT'], ['1m', '1h'])
    expect(specs).toMatchObject([
      {
        id: 'market-0',
        url:
          'ws://127.0.0.1:9000/market/stream?streams=' +
          'btcusdt@aggTrade/btcusdt@forceOrder/btcusdt@markPrice@1s/btcusdt@kline_1m/btcusdt@kline_1h/' +
          'ethusdt@aggTrade/ethusdt@forceOrder/ethusdt@markPrice@1s/ethusdt@kline_1m/ethusdt@kline_1h',
        subscribe: [],
        subscribeSpacingMs: 250,
        heartbeat: { kind: 'protocol', intervalMs: 15_000, timeoutMs: 10_000 },
        streams: [
          { name: 'btcusdt@aggTrade', busy: true },
          { name: 'btcusdt@forceOrder', busy: false },
          { name: 'btcusdt@markPrice@1s', busy: true },
          { name: 'btcusdt@kline_1m', busy: true },
          { name: 'btcusdt@kline_1h', busy: true },
          { name: 'ethusdt@aggTrade', busy: true },
          { name: 'ethusdt@forceOrder', busy: false },
          { name: 'ethusdt@markPrice@1s', busy: true },
          { name: 'ethusdt@kline_1m', busy: true },
          { name: 'ethusdt@kline_1h', busy: true },
        ],
        staleAfterMs: 30_000,
      },
    ])
  })

  test('the base URL is used as given, without a doubled slash', () => {
    const [spec] = binance.connections(
      { ws: 'wss://fstream.binance.com/', rest: urls.rest },
      ['BTCUSDT'],
      []
    )
    expect(spec?.url).toBe(
      'wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/btcusdt@forceOrder/btcusdt@markPrice@1s'
    )
  })

  test('more than 200 streams split over connections, a symbol never straddling two', () => {
    const symbols = Array.from({ length: 15 }, (_, index) => `S${index}USDT`)
    // 3 + 11 intervals = 14 streams per symbol: 14 symbols (196 streams) fit in one connection
    const specs = binance.connections(urls, symbols, INTERVALS)
    expect(specs.map((spec) => spec.streams.length)).toEqual([196, 14])
    expect(specs.map((spec) => spec.id)).toEqual(['market-0', 'market-1'])
    for (const spec of specs) {
      const inUrl = new URL(spec.url).searchParams.get('streams')?.split('/')
      expect(inUrl).toEqual(spec.streams.map((stream) => stream.name))
      const symbolsHere = new Set(spec.streams.map((stream) => stream.name.split('@')[0]))
      expect(spec.streams).toHaveLength(symbolsHere.size * 14)
    }
  })

  test('from 20 symbols on, liquidations come from the one market-wide stream', () => {
    const symbols = Array.from({ length: 30 }, (_, index) => `S${index}USDT`)
    // 2 + 11 intervals = 13 streams per symbol, and !forceOrder@arr once on the first socket
    const specs = binance.connections(urls, symbols, INTERVALS)
    expect(specs.map((spec) => spec.streams.length)).toEqual([1 + 15 * 13, 15 * 13])
    expect(specs[0]?.streams[0]).toEqual({ name: '!forceOrder@arr', busy: false })
    const names = specs.flatMap((spec) => spec.streams.map((stream) => stream.name))
    expect(names.filter((name) => name.includes('forceOrder'))).toEqual(['!forceOrder@arr'])
    expect(new Set(names).size).toBe(1 + 30 * 13)
  })

  test('streams change on a live socket by SUBSCRIBE / UNSUBSCRIBE requests of 50', () => {
    const [spec] = binance.connections(urls, ['BTCUSDT'], ['1m'])
    const control = spec?.control
    const streams = Array.from({ length: 60 }, (_, i) => ({
      name: `s${i}usdt@aggTrade`,
      busy: true,
    }))
    const frames = (control?.subscribe(streams) ?? []).map((f) => JSON.parse(f) as unknown)
    expect(frames).toMatchObject([
      { method: 'SUBSCRIBE', params: streams.slice(0, 50).map((s) => s.name), id: 1 },
      { method: 'SUBSCRIBE', params: streams.slice(50).map((s) => s.name), id: 2 },
    ])
    expect(control?.unsubscribe(streams.slice(0, 1))).toEqual([
      '{"method":"UNSUBSCRIBE","params":["s0usdt@aggTrade"],"id":1}',
    ])
    expect([control?.streamsInUrl, control?.maxStreams]).toEqual([true, 200])
  })

  test('no symbols, no connections; a missing URL is a type error', () => {
    expect(binance.connections(urls, [], ['1m'])).toEqual([])
    // @ts-expect-error the WebSocket URL is required
    const withoutWs = () => binance.connections({ rest: urls.rest }, ['BTCUSDT'], ['1m'])
    expect(withoutWs).toBeTypeOf('function')
  })
})

describe('symbols, intervals and capabilities', () => {
  test('perpetuals map to themselves; delivery contracts and other forms do not exist', () => {
    expect(binance.toNative('BTCUSDT')).toBe('BTCUSDT')
    expect(binance.toNative('1000PEPEUSDC')).toBe('1000PEPEUSDC')
    expect(binance.toNative('BTC-USDT')).toBeNull()
    expect(binance.toNative('btcusdt')).toBeNull()
    expect(binance.fromNative('BTCUSDT')).toBe('BTCUSDT')
    expect(binance.fromNative('BTCUSDT_250328')).toBeNull()
    expect(binance.fromNative('BTCBUSD')).toBeNull()
  })

  test('every interval and every capability', () => {
    expect(binance.intervals).toEqual(INTERVALS)
    expect(Object.values(binance.capabilities).every(Boolean)).toBe(true)
    expect(Object.keys(binance.capabilities).sort()).toEqual(
      ['funding_rate', 'large_trades', 'liquidations', 'ohlc', 'open_interest', 'trades'].sort()
    )
  })
})
