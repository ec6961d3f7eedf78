import { describe, expect, test } from 'vitest'
import type { RestClient, RestRequest } from '../adapter.ts'
import {
  candles,
  fundingHistory,
  fundingRate,
  loadMarkets,
  openInterest,
  openInterestHistory,
} from './calls.ts'
import { bybit } from './index.ts'
import { klineRequest, parseKlines, REST_WEIGHT_PER_MINUTE } from './rest.ts'
import { fixtureJson, RECEIVED_AT, testContext } from './test-fixtures.ts'

/** A RestClient answering from fixtures by path, recording what was asked. */
function answering(bodies: Record<string, unknown[]>) {
  const requests: RestRequest[] = []
  const client: RestClient = {
    request(request) {
      requests.push(request)
      const queue = bodies[request.path]
      const body = queue?.length === 1 ? queue[0] : queue?.shift()
      if (body === undefined) return Promise.reject(new Error(`no fixture for ${request.path}`))
      return Promise.resolve(body)
    },
  }
  return { client, requests }
}

describe('Bybit REST', () => {
  test('instruments: trading USDT perpetuals only, every page, funding periods in hours', async () => {
    const last = { retCode: 0, retMsg: 'OK', result: { list: [], nextPageCursor: '' } }
    const { client, requests } = answering({
      '/v5/market/instruments-info': [fixtureJson('rest_instruments_info.json'), last],
    })
    const ctx = testContext(['BTCUSDT'])
    const markets = await loadMarkets(client, ctx)
    expect([...markets.symbols].sort()).toEqual(['1000PEPEUSDT', 'BTCUSDT'])
    expect(markets.restWeightPerMinute).toBe(REST_WEIGHT_PER_MINUTE)
    expect(ctx.market.fundingIntervalHours.get('BTCUSDT')).toBe(8)
    expect(ctx.market.fundingIntervalHours.get('1000PEPEUSDT')).toBe(4)
    expect(requests.map((r) => r.query)).toEqual([
      { category: 'linear', limit: 1000 },
      { category: 'linear', limit: 1000, cursor: 'first%3D1000PEPEUSDT%26last%3DBTCPERP' },
    ])
  })

  test('instruments: a trading USDT perpetual with no canonical name is reported apart', async () => {
    const page = fixtureJson('rest_instruments_info.json') as {
      result: { list: Record<string, unknown>[] }
    }
    const btc = page.result.list.find((item) => item.symbol === 'BTCUSDT')
    const body = {
      ...page,
      result: { ...page.result, list: [...page.result.list, { ...btc, symbol: '币安人生USDT' }] },
    }
    const last = { retCode: 0, retMsg: 'OK', result: { list: [], nextPageCursor: '' } }
    const { client } = answering({ '/v5/market/instruments-info': [body, last] })
    const markets = await loadMarkets(client, testContext([]))
    expect(markets.unrepresentable).toEqual(['币安人生USDT'])
    expect(markets.symbols.has('BTCUSDT')).toBe(true)
  })

  test('kline: newest-first rows become candles oldest first; the open one is not final', async () => {
    const { client, requests } = answering({ '/v5/market/kline': [fixtureJson('rest_kline.json')] })
    const ctx = testContext(['BTCUSDT'], 1670608800000 + 1_000)
    const rows = await candles(client, { symbol: 'BTCUSDT', interval: '1h', limit: 3 }, ctx)
    expect(rows.map((row) => [row.timestamp, row.close, row.closed])).toEqual([
      [1670601600000, 17071.5, true],
      [1670605200000, 17071, true],
      [1670608800000, 17055.5, false],
    ])
    expect(rows[0]).toEqual({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      timestamp: 1670601600000,
      received_at: 1670608801000,
      interval: '1h',
      open: 17086.5,
      high: 17088,
      low: 16978,
      close: 17071.5,
      volume: 6356,
      quote_volume: 0.37288112,
      trades: null,
      closed: true,
    })
    expect(requests[0]?.query).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      interval: '60',
      limit: 3,
    })
  })

  test('a start without an end asks for the `limit` candles after the start', () => {
    const request = klineRequest({
      symbol: 'BTCUSDT',
      interval: '1m',
      limit: 10,
      start_time: 60_000,
    })
    expect(request.query).toMatchObject({ interval: '1', start: 60_000, end: 60_000 + 600_000 - 1 })
  })

  test('tickers: open interest (one side) and funding, with the mark remembered', async () => {
    const { client } = answering({ '/v5/market/tickers': [fixtureJson('rest_tickers.json')] })
    const ctx = testContext(['BTCUSDT'])
    expect(await openInterest(client, 'BTCUSDT', ctx)).toEqual({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      timestamp: RECEIVED_AT,
      received_at: RECEIVED_AT,
      open_interest: 373356.22,
      open_interest_usd: 6196217183.76,
    })
    expect(ctx.market.markPrice.get('BTCUSDT')).toBe(16596)
    expect(await fundingRate(client, 'BTCUSDT', ctx)).toEqual({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      timestamp: RECEIVED_AT,
      received_at: RECEIVED_AT,
      funding_rate: -0.00002164,
      interval_hours: 8,
      next_funding_time: 1672387200000,
      mark_price: 16596,
    })
  })

  test('open interest history: oldest first, one side, per 5 minutes', async () => {
    const { client, requests } = answering({
      '/v5/market/open-interest': [fixtureJson('rest_open_interest.json')],
    })
    const history = await openInterestHistory(
      client,
      { symbol: 'BTCUSDT', timeframe: '5m', limit: 100 },
      testContext(['BTCUSDT'])
    )
    expect(history.map((item) => [item.timestamp, item.open_interest])).toEqual([
      [1669571100000, 230567146],
      [1669571400000, 230567192],
    ])
    expect(requests[0]?.query).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      intervalTime: '5min',
      limit: 100,
    })
  })

  test('funding history: the latest settlements, oldest first', async () => {
    const { client, requests } = answering({
      '/v5/market/funding/history': [fixtureJson('rest_funding_history.json')],
    })
    expect(await fundingHistory(client, 'BTCUSDT')).toEqual([
      { time: 1683561600000, rate: 0.00375 },
      { time: 1683590400000, rate: 0.00121833 },
      { time: 1683619200000, rate: 0.0001 },
    ])
    expect(requests[0]?.query).toEqual({ category: 'linear', symbol: 'BTCUSDT', limit: 3 })
  })

  test('funding poll: periods from the instruments, from funding history where they give none', async () => {
    // XRPUSDT is listed without a `fundingInterval`; its last settlements are 4 h apart
    const instruments = {
      retCode: 0,
      retMsg: 'OK',
      result: {
        list: [
          ...(fixtureJson('rest_instruments_info.json') as { result: { list: unknown[] } }).result
            .list,
          {
            symbol: 'XRPUSDT',
            contractType: 'LinearPerpetual',
            status: 'Trading',
            settleCoin: 'USDT',
          },
        ],
        nextPageCursor: '',
      },
    }
    const history = (times: number[]) => ({
      retCode: 0,
      retMsg: 'OK',
      result: {
        list: times.map((time) => ({
          symbol: 'XRPUSDT',
          fundingRate: '0.0001',
          fundingRateTimestamp: String(time),
        })),
      },
    })
    const { client, requests } = answering({
      '/v5/market/instruments-info': [instruments],
      '/v5/market/funding/history': [history([1683619200000, 1683604800000, 1683590400000])],
    })
    const [poll, ...others] = bybit.polls(['BTCUSDT', 'XRPUSDT'])
    expect(others).toEqual([])
    expect([poll?.name, poll?.everyMs]).toEqual(['funding_interval', 30 * 60_000])
    const ctx = testContext(['BTCUSDT', 'XRPUSDT'])
    expect(await poll?.run(client, ctx)).toEqual([])
    expect(ctx.market.fundingIntervalHours.get('BTCUSDT')).toBe(8)
    expect(ctx.market.fundingIntervalHours.get('XRPUSDT')).toBe(4)
    // only the symbol the instruments left without a period costs a history request
    expect(
      requests.filter((r) => r.path === '/v5/market/funding/history').map((r) => r.query)
    ).toEqual([{ category: 'linear', symbol: 'XRPUSDT', limit: 3 }])
  })

  test('retCode ≠ 0 with HTTP 200 is an error naming the path and the code', () => {
    expect(() =>
      parseKlines(
        fixtureJson('rest_error.json'),
        { symbol: 'BTCUSDT', interval: '1m' },
        testContext([])
      )
    ).toThrow('bybit /v5/market/kline: retCode 10001: params error: symbol invalid')
    expect(() =>
      parseKlines(
        { retCode: 0, retMsg: 'OK', result: { list: 'x' } },
        { symbol: 'BTCUSDT', interval: '1m' },
        testContext([])
      )
    ).toThrow(/bybit \/v5\/market\/kline: symbol/)
  })
})
