import { describe, expect, test } from 'vitest'
import { FundingRate, LargeTrade, Liquidation, Ohlc, type NormalizedRecord } from '@takashi/schemas'
import { learntOf, recordsOf, type ParseResult } from '../adapter.ts'
import { binance } from './index.ts'
import { fixtureFrames, RECEIVED_AT, testContext } from './test-fixtures.ts'

const FIXTURE_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'CTKUSDT', 'AKROUSDT', 'SUSHIUSDT', 'KEEPUSDT']
const parser = binance.createParser()

function parseAll(name: string, symbols = FIXTURE_SYMBOLS): ParseResult[] {
  const ctx = testContext(symbols)
  return fixtureFrames(name).map((frame) => parser.parse(frame, ctx))
}

function only(result: ParseResult): NormalizedRecord {
  expect(result.kind).toBe('records')
  const records = recordsOf(result)
  expect(records).toHaveLength(1)
  return records[0] as NormalizedRecord
}

const schemaOf = {
  trade: LargeTrade,
  ohlc: Ohlc,
  liquidation: Liquidation,
  funding_rate: FundingRate,
}

/** Every record a fixture yields must satisfy the public record schema. */
function expectValid(results: ParseResult[]): void {
  for (const record of results.flatMap(recordsOf)) {
    if (record.kind === 'open_interest') throw new Error('no open interest on the WebSocket')
    expect(() => schemaOf[record.kind].parse(record.record)).not.toThrow()
  }
}

describe('aggTrade', () => {
  // [stream, symbol, trade id, side, price, quantity, time] per line of the 2021 recording
  const expected = [
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599292', 'buy', 1.011, 10, 1626992741421],
    ['akrousdt@aggTrade', 'AKROUSDT', '14888302', 'sell', 0.01731, 312, 1626992742134],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599293', 'buy', 1.011, 10, 1626992742715],
    ['sushiusdt@aggTrade', 'SUSHIUSDT', '87353230', 'buy', 7.612, 297, 1626992744108],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599294', 'buy', 1.011, 10, 1626992744109],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599295', 'buy', 1.011, 10, 1626992745298],
    ['sushiusdt@aggTrade', 'SUSHIUSDT', '87353231', 'sell', 7.612, 1, 1626992745907],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599296', 'buy', 1.011, 10, 1626992746479],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599297', 'sell', 1.01, 5, 1626992747239],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599298', 'buy', 1.011, 10, 1626992747667],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599299', 'sell', 1.01, 5, 1626992748362],
    ['ctkusdt@aggTrade', 'CTKUSDT', '16599300', 'buy', 1.011, 10, 1626992748866],
  ] as const

  test('2021 frames: m=true is a taker sell, m=false a taker buy; value is p × q', () => {
    const results = parseAll('ws_combined_aggTrade_2021-07.jsonl')
    expect(results).toHaveLength(expected.length)
    results.forEach((result, index) => {
      const [stream, symbol, tradeId, side, price, quantity, timestamp] = expected[index]!
      expect(result).toMatchObject({ kind: 'records', stream })
      expect(only(result)).toEqual({
        kind: 'trade',
        record: {
          exchange: 'binance',
          symbol,
          timestamp,
          received_at: RECEIVED_AT,
          id: `binance:${symbol}:${tradeId}`,
          side,
          price,
          quantity,
          value_usd: price * quantity,
          trade_id: tradeId,
        },
      })
    })
    expectValid(results)
    expect(results).toMatchSnapshot()
  })

  test('2019 frame without `a` uses the first trade id `f`', () => {
    const [result] = parseAll('ws_combined_aggTrade_2019-09.jsonl')
    expect(only(result!)).toEqual({
      kind: 'trade',
      record: {
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1568693103463,
        received_at: RECEIVED_AT,
        id: 'binance:BTCUSDT:181349',
        side: 'buy',
        price: 10223.74,
        quantity: 0.236,
        value_usd: 10223.74 * 0.236,
        trade_id: '181349',
      },
    })
  })

  test('a bare event (raw /ws mode) gets its stream name rebuilt', () => {
    const [frame] = fixtureFrames('ws_combined_aggTrade_2021-07.jsonl')
    const bare = JSON.stringify((JSON.parse(frame!) as { data: unknown }).data)
    const result = parser.parse(bare, testContext(['CTKUSDT']))
    expect(result).toMatchObject({ kind: 'records', stream: 'ctkusdt@aggTrade' })
    expect(only(result).record).toMatchObject({ trade_id: '16599292', side: 'buy' })
  })
})

describe('kline', () => {
  // [symbol, open, high, low, close, volume, quote volume, trades, closed] per line
  const expected = [
    ['CTKUSDT', 1.01, 1.011, 1.01, 1.011, 3917, 3957.899, 48, false],
    ['AKROUSDT', 0.01731, 0.01733, 0.01731, 0.01731, 156058, 2702.2077, 21, false],
    ['CTKUSDT', 1.01, 1.011, 1.01, 1.011, 3927, 3968.009, 49, false],
    ['SUSHIUSDT', 7.608, 7.612, 7.607, 7.612, 1458, 11096.641, 51, false],
    ['CTKUSDT', 1.01, 1.011, 1.01, 1.011, 3937, 3978.119, 50, false],
    ['CTKUSDT', 1.01, 1.011, 1.01, 1.011, 3947, 3988.229, 51, false],
    ['SUSHIUSDT', 7.608, 7.618, 7.607, 7.617, 3005, 22875.859, 113, true],
    ['CTKUSDT', 1.01, 1.012, 1.01, 1.012, 11074, 11193.49, 86, true],
    ['AKROUSDT', 0.01731, 0.01733, 0.01731, 0.01733, 235736, 4082.63755, 29, true],
    ['KEEPUSDT', 0.2463, 0.2466, 0.2458, 0.2466, 8464, 2082.4799, 14, true],
  ] as const

  test('open (x=false) and closed (x=true) candles keyed by open time', () => {
    const results = parseAll('ws_combined_kline_1m_2021-07.jsonl')
    expect(results).toHaveLength(expected.length)
    results.forEach((result, index) => {
      const [symbol, open, high, low, close, volume, quoteVolume, trades, closed] = expected[index]!
      expect(result).toMatchObject({ stream: `${symbol.toLowerCase()}@kline_1m` })
      expect(only(result)).toEqual({
        kind: 'ohlc',
        record: {
          exchange: 'binance',
          symbol,
          timestamp: 1626992700000,
          received_at: RECEIVED_AT,
          interval: '1m',
          open,
          high,
          low,
          close,
          volume,
          quote_volume: quoteVolume,
          trades,
          closed,
        },
      })
    })
    expectValid(results)
    expect(results).toMatchSnapshot()
  })

  test('intervals takashi does not serve are ignored, the stream still counts as alive', () => {
    const [frame] = fixtureFrames('ws_combined_kline_1m_2021-07.jsonl')
    const eightHours = frame!.replace('kline_1m', 'kline_8h').replace('"i":"1m"', '"i":"8h"')
    expect(parser.parse(eightHours, testContext(FIXTURE_SYMBOLS))).toEqual({
      kind: 'ignored',
      stream: 'ctkusdt@kline_8h',
      reason: 'unserved interval 8h',
    })
  })
})

describe('forceOrder', () => {
  test('2020 frame: BUY closes a short; filled quantity at the average price', () => {
    const results = parseAll('ws_combined_forceOrder_2020-03.jsonl')
    expect(results[0]).toMatchObject({ kind: 'records', stream: 'btcusdt@forceOrder' })
    expect(only(results[0]!)).toEqual({
      kind: 'liquidation',
      record: {
        exchange: 'binance',
        symbol: 'BTCUSDT',
        timestamp: 1584059031421,
        received_at: RECEIVED_AT,
        id: 'binance:BTCUSDT:1584059031421:short:4706.04:0.014',
        side: 'short',
        price: 4706.04,
        quantity: 0.014,
        value_usd: 0.014 * 4706.04,
      },
    })
    expectValid(results)
  })

  test('SELL is a long liquidated; unfilled z/ap fall back to q/p', () => {
    const [frame] = fixtureFrames('ws_combined_forceOrder_2020-03.jsonl')
    const sell = frame!
      .replace('"S":"BUY"', '"S":"SELL"')
      .replace('"ap":"4706.04"', '"ap":"0"')
      .replace('"z":"0.014"', '"z":"0"')
    const record = only(parser.parse(sell, testContext(['BTCUSDT']))).record
    expect(record).toMatchObject({
      side: 'long',
      price: 4793.91,
      quantity: 0.014,
      value_usd: 4793.91 * 0.014,
    })
  })
})

describe('markPriceUpdate', () => {
  test('2019 and 2020 frames become funding rates and report the mark price learnt', () => {
    const ctx = testContext(['BTCUSDT'])
    const results = fixtureFrames('ws_combined_markPrice_2019-2020.jsonl').map((frame) =>
      parser.parse(frame, ctx)
    )
    expect(results.map((result) => result.kind === 'records' && result.stream)).toEqual([
      'btcusdt@markPrice',
      'btcusdt@markPrice@1s',
    ])
    expect(results.flatMap(recordsOf)).toEqual([
      {
        kind: 'funding_rate',
        record: {
          exchange: 'binance',
          symbol: 'BTCUSDT',
          timestamp: 1569888003001,
          received_at: RECEIVED_AT,
          funding_rate: 0.0001,
          interval_hours: 8,
          next_funding_time: 1569916800000,
          mark_price: 8291.34697815,
        },
      },
      {
        kind: 'funding_rate',
        record: {
          exchange: 'binance',
          symbol: 'BTCUSDT',
          timestamp: 1597536008000,
          received_at: RECEIVED_AT,
          funding_rate: 0.0001564,
          interval_hours: 8,
          next_funding_time: 1597564800000,
          mark_price: 11857.56,
        },
      },
    ])
    expect(results.map(learntOf)).toEqual([
      { markPrice: { BTCUSDT: 8291.34697815 } },
      { markPrice: { BTCUSDT: 11857.56 } },
    ])
    expectValid(results)
  })

  test('learnt funding period is used; T=0 means no next funding; newer fields are accepted', () => {
    const ctx = testContext(['BTCUSDT'])
    ctx.learn({ fundingIntervalHours: { BTCUSDT: 4 } })
    const frame = JSON.stringify({
      e: 'markPriceUpdate',
      E: 1700000000000,
      s: 'BTCUSDT',
      p: '37000.10',
      i: '36990.00',
      P: '36995.00',
      r: '-0.00012',
      T: 0,
      ap: '37000.00',
      st: 1,
    })
    const result = parser.parse(frame, ctx)
    expect(result).toMatchObject({ kind: 'records', stream: 'btcusdt@markPrice@1s' })
    expect(only(result).record).toMatchObject({
      funding_rate: -0.00012,
      interval_hours: 4,
      next_funding_time: null,
      mark_price: 37000.1,
    })
  })
})

describe('frames that carry no records', () => {
  const ctx = () => testContext(FIXTURE_SYMBOLS)

  test('acks are ignored, error frames are venue errors', () => {
    expect(
      fixtureFrames('ws_control_ack.jsonl').map((frame) => parser.parse(frame, ctx()))
    ).toEqual(Array(3).fill({ kind: 'ignored', reason: 'control frame ack' }))
    expect(
      fixtureFrames('ws_control_error.jsonl').map((frame) => parser.parse(frame, ctx()))
    ).toEqual([
      { kind: 'venue_error', message: '0: Unknown property' },
      { kind: 'venue_error', message: '1: Invalid value type: expected Boolean' },
      {
        kind: 'venue_error',
        message: '2: Invalid request: request ID must be an unsigned integer',
      },
    ])
    expect(parser.parse('{"error":{"code":2,"msg":"Invalid request"},"id":7}', ctx())).toEqual({
      kind: 'venue_error',
      message: '2: Invalid request',
    })
  })

  test('unsubscribed event types (@trade) are ignored with their stream', () => {
    expect(parseAll('ws_combined_trade_with_X_2020-07.jsonl')).toEqual([
      { kind: 'ignored', stream: 'ethusdt@trade', reason: 'unhandled event trade' },
      { kind: 'ignored', stream: 'btcusdt@trade', reason: 'unhandled event trade' },
    ])
  })

  test('symbols that are not tracked are ignored', () => {
    const results = parseAll('ws_combined_aggTrade_2021-07.jsonl', ['CTKUSDT'])
    expect(results[1]).toEqual({
      kind: 'ignored',
      stream: 'akrousdt@aggTrade',
      reason: 'untracked symbol AKROUSDT',
    })
    expect(results.filter((result) => result.kind === 'records')).toHaveLength(9)
  })

  test('delivery contracts are never records, even when a canonical lookalike is tracked', () => {
    const frame = JSON.stringify({
      stream: 'btcusdt_250328@markPrice@1s',
      data: { e: 'markPriceUpdate', E: 1, s: 'BTCUSDT_250328', p: '1', r: '', T: 0 },
    })
    const context = testContext(['BTCUSDT', 'BTCUSDT_250328'])
    const result = parser.parse(frame, context)
    expect(result).toMatchObject({ kind: 'ignored' })
    expect(learntOf(result)).toBeUndefined()
  })

  test.each([
    ['not JSON', '{"stream":', 'not JSON'],
    ['a JSON array', '[1,2]', 'not a JSON object'],
    ['a JSON string', '"hello"', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['no event type', '{"foo":1}', 'no event type (`e`)'],
    ['data not an object', '{"stream":"btcusdt@aggTrade","data":42}', 'no event type (`e`)'],
  ])('%s is invalid', (_name, frame, reason) => {
    expect(parser.parse(frame, ctx())).toEqual({ kind: 'invalid', reason })
  })

  test('wrong shapes are invalid, naming the event and field', () => {
    const [trade] = fixtureFrames('ws_combined_aggTrade_2021-07.jsonl')
    expect(parser.parse(trade!.replace('"p":"1.01100"', '"p":"abc"'), ctx())).toEqual({
      kind: 'invalid',
      reason: 'aggTrade: p: expected a decimal string',
    })
    expect(parser.parse(trade!.replace('"m":false', '"m":"no"'), ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^aggTrade: m: /) as unknown,
    })
    const [liquidation] = fixtureFrames('ws_combined_forceOrder_2020-03.jsonl')
    expect(parser.parse(liquidation!.replace('"S":"BUY"', '"S":"HOLD"'), ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^forceOrder: o\.S: /) as unknown,
    })
    const [kline] = fixtureFrames('ws_combined_kline_1m_2021-07.jsonl')
    expect(parser.parse(kline!.replace('"x":false,', ''), ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^kline: k\.x: /) as unknown,
    })
  })

  test('never throws: every prefix of every recorded frame parses to a result', () => {
    const names = [
      'ws_combined_aggTrade_2021-07.jsonl',
      'ws_combined_aggTrade_2019-09.jsonl',
      'ws_combined_kline_1m_2021-07.jsonl',
      'ws_combined_forceOrder_2020-03.jsonl',
      'ws_combined_markPrice_2019-2020.jsonl',
    ]
    const kinds = new Set<string>()
    for (const frame of names.flatMap((name) => fixtureFrames(name).slice(0, 2))) {
      for (let end = 0; end < frame.length; end += 7) {
        kinds.add(parser.parse(frame.slice(0, end), ctx()).kind)
      }
    }
    expect([...kinds]).toEqual(['invalid'])
  })
})
