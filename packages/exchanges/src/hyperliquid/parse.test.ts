import { describe, expect, test } from 'vitest'
import { FundingRate, LargeTrade, Ohlc, OpenInterest } from '@takashi/schemas'
import { recordsOf, type ParseContext, type ParseResult } from '../adapter.ts'
import { hyperliquid } from './index.ts'
import { fixtureFrames, fixtureText, RECEIVED_AT, testContext } from './test-fixtures.ts'

const FIXTURE_SYMBOLS = ['BTCUSDT', 'FXSUSDT', 'MOODENGUSDT', '1000PEPEUSDT']

/** A frame as the first on a new connection. */
function parse(frame: string, ctx: ParseContext): ParseResult {
  return hyperliquid.createParser().parse(frame, ctx)
}

function parseAll(name: string, symbols = FIXTURE_SYMBOLS): ParseResult[] {
  const ctx = testContext(symbols)
  const connection = hyperliquid.createParser()
  return fixtureFrames(name).map((frame) => connection.parse(frame, ctx))
}

const schemaOf = {
  trade: LargeTrade,
  ohlc: Ohlc,
  open_interest: OpenInterest,
  funding_rate: FundingRate,
}

/** Every record must satisfy the public record schema. */
function expectValid(results: ParseResult[]): void {
  for (const record of results.flatMap(recordsOf)) {
    if (record.kind === 'liquidation') throw new Error('Hyperliquid has no public liquidations')
    expect(() => schemaOf[record.kind].parse(record.record)).not.toThrow()
  }
}

function trade(symbol: string, tid: string, side: string, price: number, qty: number, at: number) {
  return {
    kind: 'trade',
    record: {
      exchange: 'hyperliquid',
      symbol,
      timestamp: at,
      received_at: RECEIVED_AT,
      id: `hyperliquid:${symbol}:${tid}`,
      side,
      price,
      quantity: qty,
      value_usd: price * qty,
      trade_id: tid,
    },
  }
}

describe('trades', () => {
  test('2024 frames: "B" is a taker buy, "A" a taker sell; one record per trade, id = tid', () => {
    const results = parseAll('ws_trades_2024-10.jsonl')
    expect(results.map((result) => result.kind === 'records' && result.stream)).toEqual([
      'trades:FXS',
      'trades:FXS',
      'trades:BTC',
      'trades:BTC',
    ])
    expect(results.map(recordsOf)).toEqual([
      [trade('FXSUSDT', '611279506717453', 'sell', 1.9008, 10.5, 1730160015113)],
      [trade('FXSUSDT', '809065877559592', 'sell', 1.9014, 9.1, 1730160059558)],
      [
        trade('BTCUSDT', '1016375172059570', 'buy', 69997, 0.38111, 1730160006192),
        trade('BTCUSDT', '479312521152049', 'buy', 69997, 0.33458, 1730160006192),
        trade('BTCUSDT', '229986151112628', 'buy', 69997, 0.83613, 1730160006192),
      ],
      [trade('BTCUSDT', '696560709859024', 'buy', 69998, 0.00714, 1730160007572)],
    ])
    expectValid(results)
    expect(results).toMatchSnapshot()
  })

  test('kPEPE trades are 1000PEPEUSDT, price and size as quoted (per 1000 units)', () => {
    const frame =
      '{"channel":"trades","data":[{"coin":"kPEPE","side":"A","px":"0.011399","sz":"52310.0",' +
      '"time":1730160007000,"hash":"0x00","tid":12,"users":["0xa","0xb"]}]}'
    expect(recordsOf(parse(frame, testContext(FIXTURE_SYMBOLS)))).toEqual([
      trade('1000PEPEUSDT', '12', 'sell', 0.011399, 52310, 1730160007000),
    ])
  })

  test('an empty push is ignored; untracked coins are ignored with their stream', () => {
    const ctx = testContext(['BTCUSDT'])
    expect(parse('{"channel":"trades","data":[]}', ctx)).toEqual({
      kind: 'ignored',
      reason: 'empty trades push',
    })
    const [fxs] = fixtureFrames('ws_trades_2024-10.jsonl')
    expect(parse(fxs!, ctx)).toEqual({
      kind: 'ignored',
      stream: 'trades:FXS',
      reason: 'untracked coin FXS',
    })
  })
})

describe('activeAssetCtx', () => {
  test('real perp frame: open interest × mark, hourly funding, next whole hour; mark remembered', () => {
    const ctx = testContext(FIXTURE_SYMBOLS)
    const [perp] = fixtureFrames('ws_activeAssetCtx_perp_and_spot.jsonl')
    const result = parse(perp!, ctx)
    // 1_700_000_000_000 is 22:13:20 UTC; the next funding is at 23:00
    const nextHour = 1_700_002_800_000
    expect(result).toEqual({
      kind: 'records',
      stream: 'activeAssetCtx:MOODENG',
      learnt: { markPrice: { MOODENGUSDT: 0.19963 } },
      records: [
        {
          kind: 'open_interest',
          record: {
            exchange: 'hyperliquid',
            symbol: 'MOODENGUSDT',
            timestamp: RECEIVED_AT,
            received_at: RECEIVED_AT,
            open_interest: 18617460,
            open_interest_usd: 18617460 * 0.19963,
          },
        },
        {
          kind: 'funding_rate',
          record: {
            exchange: 'hyperliquid',
            symbol: 'MOODENGUSDT',
            timestamp: RECEIVED_AT,
            received_at: RECEIVED_AT,
            funding_rate: 0.00004863,
            interval_hours: 1,
            next_funding_time: nextHour,
            mark_price: 0.19963,
          },
        },
      ],
    })
    expectValid([result])
    expect(result).toMatchSnapshot()
  })

  test('on the hour exactly, the next funding is an hour later', () => {
    const ctx = testContext(FIXTURE_SYMBOLS, 1_700_002_800_000)
    const [perp] = fixtureFrames('ws_activeAssetCtx_perp_and_spot.jsonl')
    const [, funding] = recordsOf(parse(perp!, ctx))
    expect(funding?.record).toMatchObject({ next_funding_time: 1_700_006_400_000 })
  })

  test('the spot context is ignored and teaches no mark price', () => {
    const ctx = testContext(FIXTURE_SYMBOLS)
    const [, spot] = fixtureFrames('ws_activeAssetCtx_perp_and_spot.jsonl')
    expect(parse(spot!, ctx)).toEqual({ kind: 'ignored', reason: 'spot asset context' })
  })
})

describe('candle', () => {
  const ohlc = (fields: Partial<Ohlc> & Pick<Ohlc, 'timestamp' | 'received_at'>) => ({
    kind: 'ohlc',
    record: {
      exchange: 'hyperliquid',
      symbol: 'BTCUSDT',
      interval: '1m',
      quote_volume: null,
      closed: false,
      ...fields,
    },
  })
  const first = 1730160000000
  const second = 1730160060000

  test('open candles update; the next open time closes the previous one from what was seen', () => {
    const ctx = testContext(['BTCUSDT'])
    const connection = hyperliquid.createParser()
    const frames = fixtureFrames('ws_candle_1m.jsonl')
    const at = [first + 10_000, first + 20_000, second + 1_000, second + 30_000]
    const results = frames.map((frame, index) => {
      ctx.receivedAt = at[index]!
      return connection.parse(frame, ctx)
    })
    expect(results.map((result) => result.kind === 'records' && result.stream)).toEqual(
      Array(4).fill('candle:BTC:1m')
    )
    const base = { open: 69990, high: 69999, low: 69985 }
    expect(results.map(recordsOf)).toEqual([
      [
        ohlc({
          ...base,
          timestamp: first,
          received_at: at[0]!,
          close: 69997,
          volume: 3.51234,
          trades: 41,
        }),
      ],
      [
        ohlc({
          ...base,
          timestamp: first,
          received_at: at[1]!,
          close: 69998,
          volume: 3.51948,
          trades: 42,
        }),
      ],
      [
        ohlc({
          ...base,
          timestamp: first,
          received_at: at[2]!,
          close: 69998,
          volume: 3.51948,
          trades: 42,
          closed: true,
        }),
        ohlc({
          timestamp: second,
          received_at: at[2]!,
          open: 69998,
          high: 70001,
          low: 69998,
          close: 70001,
          volume: 0.10417,
          trades: 2,
        }),
      ],
      // the array form the docs describe
      [
        ohlc({
          timestamp: second,
          received_at: at[3]!,
          open: 69998,
          high: 70003,
          low: 69998,
          close: 70000,
          volume: 0.25412,
          trades: 5,
        }),
      ],
    ])
    expectValid(results)
    expect(results).toMatchSnapshot()
  })

  test('a candle received after its close time is closed, and is not closed a second time', () => {
    const ctx = testContext(['BTCUSDT'], second + 5_000)
    const connection = hyperliquid.createParser()
    const [one, , next] = fixtureFrames('ws_candle_1m.jsonl')
    expect(recordsOf(connection.parse(one!, ctx))).toEqual([
      ohlc({
        timestamp: first,
        received_at: second + 5_000,
        open: 69990,
        high: 69999,
        low: 69985,
        close: 69997,
        volume: 3.51234,
        trades: 41,
        closed: true,
      }),
    ])
    expect(recordsOf(connection.parse(next!, ctx)).map(({ record }) => record.timestamp)).toEqual([
      second,
    ])
  })

  test('after a reconnect (a new parser) nothing is closed from the old connection', () => {
    const ctx = testContext(['BTCUSDT'], first + 10_000)
    const [one, , next] = fixtureFrames('ws_candle_1m.jsonl')
    hyperliquid.createParser().parse(one!, ctx)
    ctx.receivedAt = second + 1_000
    expect(recordsOf(hyperliquid.createParser().parse(next!, ctx))).toHaveLength(1)
  })

  test('a late older candle does not replace the newest one of the series', () => {
    const ctx = testContext(['BTCUSDT'], second + 1_000)
    const connection = hyperliquid.createParser()
    const [one, , next] = fixtureFrames('ws_candle_1m.jsonl')
    connection.parse(next!, ctx)
    expect(recordsOf(connection.parse(one!, ctx)).map(({ record }) => record.timestamp)).toEqual([
      first,
    ])
    const again = recordsOf(connection.parse(next!, ctx))
    expect(again.map(({ record }) => record.timestamp)).toEqual([second])
  })

  test('8h candles (not a takashi interval) and untracked coins are ignored with their stream', () => {
    const [frame] = fixtureFrames('ws_candle_1m.jsonl')
    const ctx = testContext(['BTCUSDT'])
    expect(parse(frame!.replace('"i":"1m"', '"i":"8h"'), ctx)).toEqual({
      kind: 'ignored',
      stream: 'candle:BTC:8h',
      reason: 'unserved interval 8h',
    })
    expect(parse(frame!, testContext(['ETHUSDT']))).toEqual({
      kind: 'ignored',
      stream: 'candle:BTC:1m',
      reason: 'untracked coin BTC',
    })
  })
})

describe('frames that carry no records', () => {
  const ctx = () => testContext(FIXTURE_SYMBOLS)

  test('the text greeting is ignored, never invalid', () => {
    expect(parse(fixtureText('ws_greeting.txt'), ctx())).toEqual({
      kind: 'ignored',
      reason: 'greeting',
    })
  })

  test('acks are ignored, pong is a pong, error frames are venue errors', () => {
    expect(fixtureFrames('ws_control.jsonl').map((frame) => parse(frame, ctx()))).toEqual([
      { kind: 'ignored', reason: 'subscription ack' },
      { kind: 'pong' },
      {
        kind: 'venue_error',
        message: 'Invalid subscription {"type":"candle","coin":"BTC","interval":"6h"}',
      },
    ])
    expect(parse('{"channel":"error","data":{"code":1}}', ctx())).toEqual({
      kind: 'venue_error',
      message: '{"code":1}',
    })
  })

  test('unsubscribed channels (l2Book, bbo) are ignored', () => {
    const results = [...parseAll('ws_l2Book_2024-10.jsonl'), ...parseAll('ws_bbo_2025-06.jsonl')]
    expect(results).toEqual([
      { kind: 'ignored', reason: 'unhandled channel l2Book' },
      { kind: 'ignored', reason: 'unhandled channel l2Book' },
      { kind: 'ignored', reason: 'unhandled channel bbo' },
      { kind: 'ignored', reason: 'unhandled channel bbo' },
    ])
  })

  test('a user fill carrying a liquidation is private data: ignored, never a liquidation', () => {
    const result = parse(fixtureText('ws_user_fill_with_liquidation_nautilus.json'), ctx())
    expect(result).toEqual({ kind: 'ignored', reason: 'unhandled channel user' })
  })

  test.each([
    ['not JSON', '{"channel":', 'not JSON'],
    ['other text', 'Websocket connection closed.', 'not JSON'],
    ['a JSON array', '[1,2]', 'no channel'],
    ['null', 'null', 'no channel'],
    ['no channel', '{"data":[]}', 'no channel'],
  ])('%s is invalid', (_name, frame, reason) => {
    expect(parse(frame, ctx())).toEqual({ kind: 'invalid', reason })
  })

  test('wrong shapes are invalid, naming the channel and field', () => {
    const [btc] = fixtureFrames('ws_trades_2024-10.jsonl').slice(3)
    expect(parse(btc!.replace('"side":"B"', '"side":"X"'), ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^trades: 0\.side: /) as unknown,
    })
    expect(parse(btc!.replace('"px":"69998.0"', '"px":"abc"'), ctx())).toEqual({
      kind: 'invalid',
      reason: 'trades: 0.px: expected a decimal string',
    })
    expect(parse('{"channel":"trades","data":{}}', ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^trades: /) as unknown,
    })
    const [perp] = fixtureFrames('ws_activeAssetCtx_perp_and_spot.jsonl')
    expect(parse(perp!.replace('"markPx":"0.19963",', ''), ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^activeAssetCtx: ctx\.markPx: /) as unknown,
    })
    const [candle] = fixtureFrames('ws_candle_1m.jsonl')
    expect(parse(candle!.replace('"n":41', '"n":"41"'), ctx())).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/^candle: /) as unknown,
    })
  })

  test('never throws: every prefix of every recorded frame parses to a result', () => {
    const names = [
      'ws_trades_2024-10.jsonl',
      'ws_activeAssetCtx_perp_and_spot.jsonl',
      'ws_candle_1m.jsonl',
      'ws_control.jsonl',
    ]
    const kinds = new Set<string>()
    for (const frame of names.flatMap((name) => fixtureFrames(name))) {
      for (let end = 0; end < frame.length; end += 5) {
        kinds.add(parse(frame.slice(0, end), ctx()).kind)
      }
    }
    expect([...kinds]).toEqual(['invalid'])
  })
})
