import { describe, expect, test } from 'vitest'
import { createConnections, PING_FRAME } from './subscriptions.ts'
import { fromNative, intervalFromBar, toNative } from './symbols.ts'

const URLS = {
  publicWs: 'wss://ws.okx.com:8443/ws/v5/public',
  businessWs: 'wss://ws.okx.com:8443/ws/v5/business',
  rest: 'https://www.okx.com',
}

describe('OKX subscriptions', () => {
  test('public channels per swap plus one liquidation channel; candles on the business socket', () => {
    const [pub, business, ...rest] = createConnections(URLS, ['BTCUSDT'], ['1m', '1d'])
    expect(rest).toEqual([])
    expect(pub?.url).toBe(URLS.publicWs)
    expect(pub?.subscribe.map((f) => JSON.parse(f) as unknown)).toEqual([
      {
        op: 'subscribe',
        args: [
          { channel: 'liquidation-orders', instType: 'SWAP' },
          { channel: 'mark-price', instId: 'BTC-USDT-SWAP' },
          { channel: 'trades', instId: 'BTC-USDT-SWAP' },
          { channel: 'open-interest', instId: 'BTC-USDT-SWAP' },
          { channel: 'funding-rate', instId: 'BTC-USDT-SWAP' },
        ],
      },
    ])
    expect(pub?.streams.filter((s) => s.busy).map((s) => s.name)).toEqual([
      'mark-price:BTC-USDT-SWAP',
    ])
    expect(business?.url).toBe(URLS.businessWs)
    expect(business?.streams.map((s) => s.name)).toEqual([
      'candle1m:BTC-USDT-SWAP',
      'candle1Dutc:BTC-USDT-SWAP',
    ])
    expect(pub?.heartbeat).toEqual({
      kind: 'message',
      frame: PING_FRAME,
      intervalMs: 20_000,
      timeoutMs: 10_000,
    })
    expect(PING_FRAME).toBe('ping')
  })

  test('many swaps batch fifty args per request', () => {
    const symbols = Array.from({ length: 30 }, (_, i) => `C${i}USDT`)
    const [pub] = createConnections(URLS, symbols, ['1m'])
    expect(pub?.subscribe).toHaveLength(3)
  })

  test('a whole market is sharded at 400 args a socket, within 480 requests an hour', () => {
    const symbols = Array.from({ length: 300 }, (_, i) => `C${i}USDT`)
    const specs = createConnections(URLS, symbols, ['1m', '5m'])
    // 1 + 4 × 300 public args, 2 × 300 candle args
    expect(specs.map((spec) => [spec.id, spec.streams.length])).toEqual([
      ['public', 400],
      ['public-1', 400],
      ['public-2', 400],
      ['public-3', 1],
      ['business', 400],
      ['business-1', 200],
    ])
    expect(specs.map((spec) => spec.family)).toEqual([
      'public',
      'public',
      'public',
      'public',
      'business',
      'business',
    ])
    for (const spec of specs) {
      expect(spec.subscribe.length).toBeLessThanOrEqual(8)
      expect(spec.control?.requestsPerHour).toBe(480)
    }
    expect(specs[0]?.streams[0]?.name).toBe('liquidation-orders:SWAP')
  })

  test('a missing URL is a type error', () => {
    const { publicWs, rest } = URLS
    // @ts-expect-error the business socket's URL is required
    const withoutBusiness = () => createConnections({ publicWs, rest }, ['BTCUSDT'], ['1m'])
    expect(withoutBusiness).toBeTypeOf('function')
  })

  test('symbols and bars', () => {
    expect(toNative('BTCUSDT')).toBe('BTC-USDT-SWAP')
    expect(fromNative('ETH-USDT-SWAP')).toBe('ETHUSDT')
    for (const other of ['BTC-USD-SWAP', 'BTC-USDT', 'BTC-USD-220527'])
      expect(fromNative(other)).toBeNull()
    expect(intervalFromBar('1H')).toBe('1h')
    expect(intervalFromBar('12Hutc')).toBe('12h')
    expect(intervalFromBar('6H')).toBeNull()
  })
})
