import { describe, expect, test } from 'vitest'
import { INTERVALS } from '@takashi/schemas'
import { hyperliquid } from './index.ts'

const urls = { ws: 'ws://127.0.0.1:9000/ws', rest: 'http://127.0.0.1:9001' }

describe('connections', () => {
  test('one socket at the URL as given; one subscribe frame per coin and channel', () => {
    const specs = hyperliquid.connections(urls, ['BTCUSDT', '1000PEPEUSDT'], ['1m', '1h'])
    expect(specs).toMatchObject([
      {
        id: 'ws-0',
        url: 'ws://127.0.0.1:9000/ws',
        subscribe: [
          '{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}',
          '{"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"BTC"}}',
          '{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"1m"}}',
          '{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"1h"}}',
          '{"method":"subscribe","subscription":{"type":"trades","coin":"kPEPE"}}',
          '{"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"kPEPE"}}',
          '{"method":"subscribe","subscription":{"type":"candle","coin":"kPEPE","interval":"1m"}}',
          '{"method":"subscribe","subscription":{"type":"candle","coin":"kPEPE","interval":"1h"}}',
        ],
        subscribeSpacingMs: 60,
        heartbeat: {
          kind: 'message',
          frame: '{"method":"ping"}',
          intervalMs: 30_000,
          timeoutMs: 10_000,
        },
        streams: [
          { name: 'trades:BTC', busy: false },
          { name: 'activeAssetCtx:BTC', busy: true },
          { name: 'candle:BTC:1m', busy: false },
          { name: 'candle:BTC:1h', busy: false },
          { name: 'trades:kPEPE', busy: false },
          { name: 'activeAssetCtx:kPEPE', busy: true },
          { name: 'candle:kPEPE:1m', busy: false },
          { name: 'candle:kPEPE:1h', busy: false },
        ],
        staleAfterMs: 60_000,
      },
    ])
  })

  test('the URL is not rewritten (wss, trailing path) and subscribe spacing stays at 60 ms', () => {
    const [spec] = hyperliquid.connections(
      { ws: 'wss://api.hyperliquid-testnet.xyz/ws', rest: urls.rest },
      ['ETHUSDT'],
      []
    )
    expect(spec?.url).toBe('wss://api.hyperliquid-testnet.xyz/ws')
    expect(spec?.subscribeSpacingMs).toBeGreaterThanOrEqual(60)
  })

  test('6h is not subscribed (Hyperliquid has no 6h candles)', () => {
    const [spec] = hyperliquid.connections(urls, ['BTCUSDT'], ['6h', '4h'])
    expect(spec?.streams.map((stream) => stream.name)).toEqual([
      'trades:BTC',
      'activeAssetCtx:BTC',
      'candle:BTC:4h',
    ])
  })

  test('a coin never straddles two sockets; at most 250 subscriptions each', () => {
    const symbols = Array.from({ length: 40 }, (_, index) => `C${index}USDT`)
    // 2 + 10 intervals = 12 subscriptions per coin: 20 coins (240) fit on one socket
    const specs = hyperliquid.connections(urls, symbols, INTERVALS)
    expect(specs.map((spec) => spec.subscribe.length)).toEqual([240, 240])
    expect(specs.map((spec) => spec.id)).toEqual(['ws-0', 'ws-1'])
    for (const spec of specs) expect(spec.streams).toHaveLength(spec.subscribe.length)
  })

  test('symbols with no Hyperliquid form are skipped; a missing URL is a type error', () => {
    expect(hyperliquid.connections(urls, ['BTCUSDC'], ['1m'])).toEqual([])
    // @ts-expect-error the WebSocket URL is required
    const withoutWs = () => hyperliquid.connections({ rest: urls.rest }, ['BTCUSDT'], ['1m'])
    expect(withoutWs).toBeTypeOf('function')
  })
})

describe('symbols, intervals and capabilities', () => {
  test.each([
    ['BTCUSDT', 'BTC'],
    ['ETHUSDT', 'ETH'],
    ['1000PEPEUSDT', 'kPEPE'],
    ['1000BONKUSDT', 'kBONK'],
    ['KASUSDT', 'KAS'],
  ])('%s ↔ %s', (symbol, coin) => {
    expect(hyperliquid.toNative(symbol)).toBe(coin)
    expect(hyperliquid.fromNative(coin)).toBe(symbol)
  })

  test.each([['@123'], ['PURR/USDC'], ['flx:CRCL'], ['xyz:XYZ100'], ['1000PEPE'], ['btc'], ['']])(
    'coin %j is not a perpetual takashi maps',
    (coin) => {
      expect(hyperliquid.fromNative(coin)).toBeNull()
    }
  )

  test.each([['BTCUSDC'], ['BTC-USDT-SWAP'], ['btcusdt'], ['USDT']])(
    'symbol %j has no Hyperliquid coin',
    (symbol) => {
      expect(hyperliquid.toNative(symbol)).toBeNull()
    }
  )

  test('every interval but 6h; no liquidations, everything else', () => {
    expect(hyperliquid.intervals).toEqual(INTERVALS.filter((interval) => interval !== '6h'))
    expect(hyperliquid.capabilities).toEqual({
      ohlc: true,
      open_interest: true,
      funding_rate: true,
      liquidations: false,
      large_trades: true,
      trades: true,
    })
  })

  test('a whole market keeps within the 1000 subscriptions per IP: whole intervals that fit', () => {
    const symbols = Array.from({ length: 200 }, (_, index) => `C${index}USDT`)
    const specs = hyperliquid.connections(urls, symbols, ['1m', '5m', '15m', '1h'])
    const names = specs.flatMap((spec) => spec.streams.map((stream) => stream.name))
    // trades and contexts (400), then 1m and 5m (400): 15m would pass the budget of 900
    expect(names).toHaveLength(800)
    expect(names.filter((name) => name.startsWith('candle:C0:'))).toEqual([
      'candle:C0:1m',
      'candle:C0:5m',
    ])
    expect(specs.length).toBeLessThanOrEqual(10)
    for (const spec of specs) expect(spec.streams.length).toBeLessThanOrEqual(250)
    // all sockets together stay under 1700 subscribe messages a minute
    const perMinute = specs.reduce((sum, spec) => sum + 60_000 / spec.subscribeSpacingMs, 0)
    expect(perMinute).toBeLessThanOrEqual(1_700)
  })

  test('past 450 coins, contexts give way to trades (their OI and funding are polled)', () => {
    const symbols = Array.from({ length: 500 }, (_, index) => `C${index}USDT`)
    const specs = hyperliquid.connections(urls, symbols, ['1m'])
    const names = specs.flatMap((spec) => spec.streams.map((stream) => stream.name))
    expect(names.every((name) => name.startsWith('trades:'))).toBe(true)
    expect(names).toHaveLength(500)
    expect(hyperliquid.polls(symbols).map((poll) => poll.name)).toEqual([
      'funding_interval',
      'asset_ctxs',
    ])
  })
})
