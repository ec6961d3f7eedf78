import { describe, expect, test } from 'vitest'
import { FundingRate, Ohlc, OpenInterest } from '@takashi/schemas'
import type { RestClient, RestRequest } from '../adapter.ts'
import { fundingIntervalHoursFrom } from '../funding-history.ts'
import { BinanceResponseError } from './errors.ts'
import { binance } from './index.ts'
import {
  exchangeInfoRequest,
  fundingHistoryRequest,
  klinesRequest,
  klinesWeight,
  openInterestHistRequest,
  openInterestRequest,
  parseExchangeInfo,
  parseFundingHistory,
  parseKlines,
  parseOpenInterest,
  parseOpenInterestHistory,
  parsePremiumIndex,
  parsePremiumIndexEntries,
  premiumIndexRequest,
  toFundingRate,
} from './rest.ts'
import { fixtureJson, RECEIVED_AT, testContext } from './test-fixtures.ts'

type Answer = (request: RestRequest) => unknown

/** A fake venue at the client seam: answers each path with a recorded body, logs requests. */
function fixtureVenue(bodies: Record<string, unknown>, answers: Record<string, Answer> = {}) {
  const requests: RestRequest[] = []
  const client: RestClient = {
    request(request) {
      requests.push(request)
      const answer = answers[request.path]
      const body = answer ? answer(request) : bodies[request.path]
      if (body === undefined) return Promise.reject(new Error(`no body for ${request.path}`))
      return Promise.resolve(body)
    },
  }
  return { client, requests }
}

describe('request builders', () => {
  test('paths, queries and weights', () => {
    expect(exchangeInfoRequest()).toEqual({
      method: 'GET',
      path: '/fapi/v1/exchangeInfo',
      weight: 1,
    })
    expect(klinesRequest({ symbol: 'BTCUSDT', interval: '1h', limit: 100 })).toEqual({
      method: 'GET',
      path: '/fapi/v1/klines',
      query: { symbol: 'BTCUSDT', interval: '1h', limit: 100 },
      weight: 2,
    })
    expect(
      klinesRequest({ symbol: 'ETHUSDC', interval: '1m', limit: 5, start_time: 10, end_time: 20 })
        .query
    ).toEqual({ symbol: 'ETHUSDC', interval: '1m', limit: 5, startTime: 10, endTime: 20 })
    expect(openInterestRequest('BTCUSDT')).toEqual({
      method: 'GET',
      path: '/fapi/v1/openInterest',
      query: { symbol: 'BTCUSDT' },
      weight: 1,
    })
    expect(premiumIndexRequest('BTCUSDT')).toEqual({
      method: 'GET',
      path: '/fapi/v1/premiumIndex',
      query: { symbol: 'BTCUSDT' },
      weight: 1,
    })
    expect(fundingHistoryRequest({ symbol: 'BTCUSDT', limit: 3 })).toEqual({
      method: 'GET',
      path: '/fapi/v1/fundingRate',
      query: { symbol: 'BTCUSDT', limit: 3 },
      weight: 1,
    })
    expect(
      openInterestHistRequest({ symbol: 'BTCUSDT', period: '5m', limit: 30, startTime: 1 })
    ).toEqual({
      method: 'GET',
      path: '/futures/data/openInterestHist',
      query: { symbol: 'BTCUSDT', period: '5m', limit: 30, startTime: 1 },
      weight: 1,
    })
  })

  test.each([
    [1, 1],
    [99, 1],
    [100, 2],
    [499, 2],
    [500, 5],
    [1000, 5],
    [1001, 10],
    [1500, 10],
  ])('klines limit %i weighs %i', (limit, weight) => {
    expect(klinesWeight(limit)).toBe(weight)
  })

  test('symbols that cannot be Binance perpetuals are refused before any request', () => {
    expect(() => openInterestRequest('BTCUSDT_250328')).toThrow(/not a Binance USD-M perpetual/)
    expect(() => premiumIndexRequest('BTC-USDT-SWAP')).toThrow(/not a Binance USD-M perpetual/)
  })
})

describe('exchangeInfo', () => {
  test('a trading perpetual with no canonical name is reported, not served', () => {
    const body = fixtureJson('rest_exchangeInfo_2021-07.json') as { symbols: { symbol: string }[] }
    const listed = body.symbols.find((entry) => entry.symbol === 'BTCUSDT')
    // Binance listed `币安人生USDT` in 2025: a name takashi's canonical A-Z0-9 form cannot hold
    const info = parseExchangeInfo({
      ...body,
      symbols: [...body.symbols, { ...listed, symbol: '币安人生USDT', pair: '币安人生USDT' }],
    })
    expect(info.unrepresentable).toEqual(['币安人生USDT'])
    expect(info.symbols.has('BTCUSDT')).toBe(true)
  })

  test('real 2021 body: live USDT perpetuals only; budget is half of REQUEST_WEIGHT 2400/min', () => {
    const info = parseExchangeInfo(fixtureJson('rest_exchangeInfo_2021-07.json'))
    expect(info.restWeightPerMinute).toBe(1200)
    expect(info.symbols.has('BTCUSDT')).toBe(true)
    expect(info.symbols.has('ETHUSDT')).toBe(true)
    // 117 USDT perpetuals trade; BUSD perpetuals, quarterlies and a pending listing do not count
    expect(info.symbols.size).toBe(117)
    for (const symbol of info.symbols) expect(symbol).toMatch(/^[A-Z0-9]+USDT$/)
    expect(info.symbols.has('BTCBUSD')).toBe(false)
    expect([...info.symbols].some((symbol) => symbol.includes('_'))).toBe(false)
  })

  test('falls back to 1200 without a per-minute weight limit; other limits are halved', () => {
    const symbol = {
      symbol: 'BTCUSDC',
      contractType: 'PERPETUAL',
      status: 'TRADING',
      quoteAsset: 'USDC',
      marginAsset: 'USDC',
    }
    expect(parseExchangeInfo({ symbols: [symbol] })).toEqual({
      symbols: new Set(['BTCUSDC']),
      restWeightPerMinute: 1200,
    })
    const rateLimits = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
    ]
    expect(parseExchangeInfo({ rateLimits, symbols: [] }).restWeightPerMinute).toBe(3000)
  })

  test('a body without symbols is an unexpected response', () => {
    expect(() => parseExchangeInfo({ rateLimits: [] })).toThrow(BinanceResponseError)
  })
})

describe('premiumIndex', () => {
  test('real 2024 slice: perpetual funding rates; the delivery contract is left out', () => {
    const ctx = testContext([])
    const rates = parsePremiumIndex(
      fixtureJson('rest_premiumIndex_allSymbols_2024-11_slice.json'),
      ctx
    )
    expect(rates).toHaveLength(21)
    expect(rates.map((rate) => rate.symbol)).not.toContain('ETHUSDT_250328')
    expect(rates[0]).toEqual({
      exchange: 'binance',
      symbol: 'UXLINKUSDT',
      timestamp: 1732715655000,
      received_at: RECEIVED_AT,
      funding_rate: 0.00005,
      interval_hours: 8,
      next_funding_time: 1732723200000,
      mark_price: 0.5563,
    })
    for (const rate of rates) expect(() => FundingRate.parse(rate)).not.toThrow()
  })

  test('nextFundingTime 0 (delivery contract) becomes null', () => {
    const entries = parsePremiumIndexEntries(
      fixtureJson('rest_premiumIndex_allSymbols_2024-11_slice.json')
    )
    const delivery = entries.find((entry) => entry.symbol === 'ETHUSDT_250328')
    expect(delivery).toBeDefined()
    expect(toFundingRate(delivery!, 'ETHUSDT_250328', testContext([]))).toMatchObject({
      next_funding_time: null,
      mark_price: 3660.64456818,
      funding_rate: 0,
    })
  })
})

describe('klines', () => {
  test('rows → candles; closed once the close time has passed', () => {
    // received between the first row's close (…099999) and the second's (…399999)
    const ctx = { receivedAt: 1616339200000 }
    const candles = parseKlines(
      fixtureJson('rest_klines.json'),
      { symbol: 'BTCUSDT', interval: '5m' },
      ctx
    )
    expect(candles).toEqual([
      {
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1616338800000,
        received_at: 1616339200000,
        interval: '5m',
        open: 57212.69,
        high: 57315,
        low: 57196.19,
        close: 57300,
        volume: 496.263,
        quote_volume: 28425514.7894,
        trades: 7160,
        closed: true,
      },
      {
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1616339100000,
        received_at: 1616339200000,
        interval: '5m',
        open: 57300,
        high: 57350.1,
        low: 57281.55,
        close: 57333.33,
        volume: 120.004,
        quote_volume: 6879240.12345,
        trades: 1820,
        closed: false,
      },
    ])
    for (const candle of candles) expect(() => Ohlc.parse(candle)).not.toThrow()
  })

  test('rows come back oldest first whatever the order; bad rows are an unexpected response', () => {
    const rows = fixtureJson('rest_klines.json') as unknown[]
    const candles = parseKlines(
      [...rows].reverse(),
      { symbol: 'BTCUSDT', interval: '5m' },
      { receivedAt: 0 }
    )
    expect(candles.map((candle) => candle.timestamp)).toEqual([1616338800000, 1616339100000])
    expect(() =>
      parseKlines([[1, 'x']], { symbol: 'BTCUSDT', interval: '5m' }, { receivedAt: 0 })
    ).toThrow(BinanceResponseError)
  })
})

describe('open interest', () => {
  test('priced at the known mark, null while none is known', () => {
    const body = fixtureJson('rest_openInterest.json')
    const ctx = testContext(['BTCUSDT'])
    expect(parseOpenInterest(body, 'BTCUSDT', ctx)).toEqual({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: 1589437530011,
      received_at: RECEIVED_AT,
      open_interest: 10659.509,
      open_interest_usd: null,
    })
    ctx.learn({ markPrice: { BTCUSDT: 9000 } })
    const priced = parseOpenInterest(body, 'BTCUSDT', ctx)
    expect(priced.open_interest_usd).toBe(10659.509 * 9000)
    expect(() => OpenInterest.parse(priced)).not.toThrow()
  })

  test('an answer for another symbol is refused', () => {
    expect(() =>
      parseOpenInterest(fixtureJson('rest_openInterest.json'), 'ETHUSDT', testContext([]))
    ).toThrow(/asked for ETHUSDT, got BTCUSDT/)
  })

  test('history: string or number timestamps; USD value from sumOpenInterestValue', () => {
    const history = parseOpenInterestHistory(fixtureJson('rest_openInterestHist.json'), 'BTCUSDT', {
      receivedAt: RECEIVED_AT,
    })
    expect(history).toEqual([
      {
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1583127900000,
        received_at: RECEIVED_AT,
        open_interest: 20403.637,
        open_interest_usd: 150570784.0780998,
      },
      {
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1583128200000,
        received_at: RECEIVED_AT,
        open_interest: 20401.367,
        open_interest_usd: 149940752.14464447,
      },
    ])
  })
})

describe('funding history', () => {
  test('markPrice absent, empty or present; the period is the last gap in whole hours', () => {
    const history = parseFundingHistory(fixtureJson('rest_fundingRate.json'))
    expect(history).toEqual([
      { time: 1570608000000, rate: -0.0375 },
      { time: 1570636800000, rate: 0.0001 },
      { time: 1570665600003, rate: 0.0001 },
    ])
    expect(fundingIntervalHoursFrom(history)).toBe(8)
  })
})

describe('REST calls through the client', () => {
  const bodies = {
    '/fapi/v1/exchangeInfo': fixtureJson('rest_exchangeInfo_2021-07.json'),
    '/fapi/v1/klines': fixtureJson('rest_klines.json'),
    '/fapi/v1/openInterest': fixtureJson('rest_openInterest.json'),
    '/fapi/v1/premiumIndex': fixtureJson('rest_premiumIndex.json'),
    '/fapi/v1/fundingRate': fixtureJson('rest_fundingRate.json'),
  }

  test('loadMarkets and candles', async () => {
    const venue = fixtureVenue(bodies)
    const ctx = testContext(['BTCUSDT'])
    expect((await binance.rest.loadMarkets(venue.client, ctx)).restWeightPerMinute).toBe(1200)
    const candles = await binance.rest.candles(
      venue.client,
      { symbol: 'BTCUSDT', interval: '5m', limit: 2, start_time: 1616338800000 },
      ctx
    )
    expect(candles.map((candle) => [candle.timestamp, candle.closed])).toEqual([
      [1616338800000, true],
      [1616339100000, true],
    ])
    expect(venue.requests[1]).toEqual({
      method: 'GET',
      path: '/fapi/v1/klines',
      query: { symbol: 'BTCUSDT', interval: '5m', limit: 2, startTime: 1616338800000 },
      weight: 1,
    })
  })

  test('openInterest asks premiumIndex first when no mark is known, then remembers it', async () => {
    const venue = fixtureVenue(bodies)
    const ctx = testContext(['BTCUSDT'])
    const first = await binance.rest.openInterest(venue.client, 'BTCUSDT', ctx)
    expect(venue.requests.map((request) => request.path)).toEqual([
      '/fapi/v1/premiumIndex',
      '/fapi/v1/openInterest',
    ])
    expect(first.open_interest_usd).toBe(10659.509 * 11793.63104562)
    expect(ctx.market.markPrice.get('BTCUSDT')).toBe(11793.63104562)

    await binance.rest.openInterest(venue.client, 'BTCUSDT', ctx)
    expect(venue.requests).toHaveLength(3)
  })

  test('fundingRate reads premiumIndex with the learnt funding period', async () => {
    const venue = fixtureVenue(bodies)
    const ctx = testContext(['BTCUSDT'])
    ctx.learn({ fundingIntervalHours: { BTCUSDT: 4 } })
    expect(await binance.rest.fundingRate(venue.client, 'BTCUSDT', ctx)).toEqual({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      timestamp: 1597370495002,
      received_at: RECEIVED_AT,
      funding_rate: 0.00038246,
      interval_hours: 4,
      next_funding_time: 1597392000000,
      mark_price: 11793.63104562,
    })
    expect(ctx.market.markPrice.get('BTCUSDT')).toBe(11793.63104562)
    await expect(binance.rest.fundingRate(venue.client, 'ETHUSDT', ctx)).rejects.toThrow(
      /no entry for ETHUSDT/
    )
  })

  test('polls: open interest for every symbol, funding periods into the market state', async () => {
    const venue = fixtureVenue(bodies, {
      '/fapi/v1/openInterest': (request) =>
        request.query?.symbol === 'BTCUSDT'
          ? bodies['/fapi/v1/openInterest']
          : { openInterest: '5', symbol: request.query?.symbol, time: 1 },
    })
    const ctx = testContext(['BTCUSDT', 'ETHUSDT'])
    ctx.learn({ markPrice: { BTCUSDT: 10 } })
    ctx.learn({ markPrice: { ETHUSDT: 2 } })
    const polls = binance.polls(['BTCUSDT', 'ETHUSDT'])
    expect(polls.map((poll) => [poll.name, poll.everyMs])).toEqual([
      ['open_interest', 10_000],
      ['funding_interval', 1_800_000],
    ])

    const records = await polls[0]!.run(venue.client, ctx)
    expect(
      records.map(({ kind, record }) => [
        kind,
        record.symbol,
        'open_interest_usd' in record && record.open_interest_usd,
      ])
    ).toEqual([
      ['open_interest', 'BTCUSDT', 10659.509 * 10],
      ['open_interest', 'ETHUSDT', 10],
    ])

    expect(await polls[1]!.run(venue.client, ctx)).toEqual([])
    expect(ctx.market.fundingIntervalHours.get('BTCUSDT')).toBe(8)
    expect(
      venue.requests
        .filter((request) => request.path === '/fapi/v1/fundingRate')
        .map((request) => request.query)
    ).toEqual([
      { symbol: 'BTCUSDT', limit: 3 },
      { symbol: 'ETHUSDT', limit: 3 },
    ])
  })

  test('a whole market: open interest round-robin, 50 symbols a run, priced by one bulk premiumIndex', async () => {
    const slice = fixtureJson('rest_premiumIndex_allSymbols_2024-11_slice.json') as {
      symbol: string
    }[]
    const listed = slice.map((entry) => entry.symbol).filter((symbol) => !symbol.includes('_'))
    const symbols = [...listed, ...Array.from({ length: 99 }, (_, i) => `C${i}USDT`)]
    const venue = fixtureVenue(bodies, {
      '/fapi/v1/premiumIndex': (request) =>
        request.query === undefined
          ? slice
          : { ...(bodies['/fapi/v1/premiumIndex'] as object), symbol: request.query.symbol },
      '/fapi/v1/openInterest': (request) => ({
        openInterest: '5',
        symbol: request.query?.symbol,
        time: 1,
      }),
    })
    const ctx = testContext(symbols)
    const [poll] = binance.polls(symbols)
    const first = await poll!.run(venue.client, ctx)
    // one bulk premiumIndex (weight 10) priced the listed ones; the made-up ones asked singly
    const premium = venue.requests.filter((r) => r.path === '/fapi/v1/premiumIndex')
    expect(premium[0]).toEqual({ method: 'GET', path: '/fapi/v1/premiumIndex', weight: 10 })
    expect(premium).toHaveLength(1 + (50 - listed.length))
    expect(first).toHaveLength(50)
    expect(first[0]?.record).toMatchObject({ symbol: listed[0], open_interest: 5 })

    const seen = new Set(first.map(({ record }) => record.symbol))
    for (const run of [2, 3]) {
      const records = await poll!.run(venue.client, ctx)
      expect(records).toHaveLength(50)
      for (const { record } of records) seen.add(record.symbol)
      expect(seen.size).toBe(Math.min(symbols.length, run * 50))
    }
  })

  test('the open interest poll keeps the symbols that answered and fails only if none did', async () => {
    const ctx = testContext(['BTCUSDT', 'ETHUSDT'])
    ctx.learn({ markPrice: { BTCUSDT: 10 } })
    ctx.learn({ markPrice: { ETHUSDT: 2 } })
    const [openInterestPoll] = binance.polls(['BTCUSDT', 'ETHUSDT'])
    const partial = fixtureVenue(bodies) // its body is BTCUSDT's: ETHUSDT's answer is refused
    expect(
      (await openInterestPoll!.run(partial.client, ctx)).map(({ record }) => record.symbol)
    ).toEqual(['BTCUSDT'])
    await expect(openInterestPoll!.run(fixtureVenue({}).client, ctx)).rejects.toThrow(/no body/)
  })
})
