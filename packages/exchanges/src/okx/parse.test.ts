import { describe, expect, test } from 'vitest'
import { learntOf, recordsOf } from '../adapter.ts'
import { parseFrame } from './parse.ts'
import { fixtureFrames, RECEIVED_AT, testContext } from './test-fixtures.ts'

/** A context tracking BTCUSDT with BTC-USDT-SWAP's real contract size, 0.01 BTC. */
function btc() {
  const ctx = testContext(['BTCUSDT', 'ETHUSDT'])
  ctx.learn({ contractSize: { BTCUSDT: 0.01 } })
  return ctx
}

describe('OKX frames', () => {
  test('trades: sz counts contracts, so 5 contracts of BTC-USDT-SWAP are 0.05 BTC', () => {
    const [frame = ''] = fixtureFrames('ws_trades_BTC-USDT-SWAP_2021-12.jsonl')
    expect(parseFrame(frame, btc())).toEqual({
      kind: 'records',
      stream: 'trades:BTC-USDT-SWAP',
      records: [
        {
          kind: 'trade',
          record: {
            exchange: 'okx',
            symbol: 'BTCUSDT',
            timestamp: 1640131236050,
            received_at: RECEIVED_AT,
            id: 'okx:BTCUSDT:148266905',
            side: 'buy',
            price: 48938.5,
            quantity: 0.05,
            value_usd: 48938.5 * 0.05,
            trade_id: '148266905',
          },
        },
      ],
    })
    // without a known contract size nothing is guessed
    expect(parseFrame(frame, testContext(['BTCUSDT']))).toMatchObject({
      kind: 'ignored',
      reason: 'no contract size known for BTC-USDT-SWAP',
    })
  })

  test('trades of futures, inverse swaps and spot pairs are not USDT swaps', () => {
    const ctx = testContext(['BTCUSDT', 'UNIUSDT'])
    ctx.learn({ contractSize: { BTCUSDT: 0.01 } })
    const results = fixtureFrames('ws_trades_mixed_instTypes_2022-05.jsonl').map((f) =>
      parseFrame(f, ctx)
    )
    expect(results.filter((r) => r.kind === 'invalid')).toEqual([])
    const symbols = results.flatMap((r) =>
      recordsOf(r).map((x) => (x.record as { symbol: string }).symbol)
    )
    expect(symbols.every((symbol) => symbol === 'BTCUSDT')).toBe(true)
  })

  test('candles (business channel): volCcy is the base volume; confirm "1" is final', () => {
    const [open = '', confirmed = ''] = fixtureFrames('ws_candle_docs.jsonl')
    expect(recordsOf(parseFrame(open, btc()))).toEqual([
      {
        kind: 'ohlc',
        record: {
          exchange: 'okx',
          symbol: 'BTCUSDT',
          timestamp: 1747094040000,
          received_at: RECEIVED_AT,
          interval: '1m',
          open: 102806.1,
          high: 102820.4,
          low: 102806.1,
          close: 102820.4,
          volume: 10.4037,
          quote_volume: 1069603.34883,
          trades: null,
          closed: false,
        },
      },
    ])
    expect(recordsOf(parseFrame(confirmed, btc()))[0]?.record).toMatchObject({
      closed: true,
      volume: 11,
    })
    const hk = open.replace('candle1m', 'candle1D')
    expect(parseFrame(hk, btc())).toMatchObject({ kind: 'ignored' })
  })

  test('liquidations: a sell order closes a long; sizes in contracts × ctVal at the bankruptcy price', () => {
    const [swap = ''] = fixtureFrames('ws_liquidation-orders_SWAP_docs.jsonl')
    const records = recordsOf(parseFrame(swap, btc())).map((r) => r.record)
    expect(records).toEqual([
      {
        exchange: 'okx',
        symbol: 'BTCUSDT',
        timestamp: 1747094041000,
        received_at: RECEIVED_AT,
        id: 'okx:BTCUSDT:1747094041000:long:102000.5:0.3',
        side: 'long',
        price: 102000.5,
        quantity: 0.3,
        value_usd: 102000.5 * 0.3,
      },
      {
        exchange: 'okx',
        symbol: 'BTCUSDT',
        timestamp: 1747094042000,
        received_at: RECEIVED_AT,
        id: 'okx:BTCUSDT:1747094042000:short:103100:0.02',
        side: 'short',
        price: 103100,
        quantity: 0.02,
        value_usd: 103100 * 0.02,
      },
    ])
    const [future = ''] = fixtureFrames('ws_liquidation-orders_FUTURES_2023-03.jsonl')
    expect(parseFrame(future, btc())).toMatchObject({ kind: 'ignored' })
  })

  test('open interest in base units (oiCcy), priced at the mark the mark-price channel gave', () => {
    const ctx = testContext(['WNCGUSDT'])
    const [mark = ''] = fixtureFrames('ws_mark-price_2021-12.jsonl')
    const [oi = ''] = fixtureFrames('ws_open-interest_2021-12.jsonl')
    const marked = parseFrame(mark, ctx)
    expect(marked).toMatchObject({
      kind: 'ignored',
      stream: 'mark-price:WNCG-USDT-SWAP',
      learnt: { markPrice: { WNCGUSDT: 2.1729 } },
    })
    // as the ingestor does: what a frame taught is known when the next one is parsed
    ctx.learn(learntOf(marked) ?? {})
    expect(recordsOf(parseFrame(oi, ctx))).toEqual([
      {
        kind: 'open_interest',
        record: {
          exchange: 'okx',
          symbol: 'WNCGUSDT',
          timestamp: 1640131258756,
          received_at: RECEIVED_AT,
          open_interest: 644195,
          open_interest_usd: 644195 * 2.1729,
        },
      },
    ])
  })

  test('funding: the rate settles at fundingTime; a frame without a rate is ignored', () => {
    const ctx = testContext(['WNCGUSDT', 'SOSUSDT'])
    const [withRate = '', withoutRate = ''] = fixtureFrames('ws_funding-rate_2021-12.jsonl')
    expect(recordsOf(parseFrame(withRate, ctx))).toEqual([
      {
        kind: 'funding_rate',
        record: {
          exchange: 'okx',
          symbol: 'WNCGUSDT',
          timestamp: RECEIVED_AT,
          received_at: RECEIVED_AT,
          funding_rate: 0.00048105,
          interval_hours: 8,
          next_funding_time: 1640131200000,
          mark_price: null,
        },
      },
    ])
    expect(parseFrame(withoutRate, ctx)).toMatchObject({ kind: 'ignored' })
    const fourHourly = JSON.stringify({
      arg: { channel: 'funding-rate', instId: 'WNCG-USDT-SWAP' },
      data: [
        {
          instId: 'WNCG-USDT-SWAP',
          fundingRate: '0.0001',
          fundingTime: '1640131200000',
          nextFundingTime: '1640145600000',
          ts: '1640131000000',
        },
      ],
    })
    expect(recordsOf(parseFrame(fourHourly, ctx))[0]?.record).toMatchObject({
      interval_hours: 4,
      timestamp: 1640131000000,
    })
  })

  test('text pong, acks, errors, notices and malformed frames', () => {
    const ctx = btc()
    expect(parseFrame('pong', ctx)).toEqual({ kind: 'pong' })
    const [ack = '', error = '', migrated = '', notice = ''] = fixtureFrames('ws_events_docs.jsonl')
    expect(parseFrame(ack, ctx)).toEqual({ kind: 'ignored', reason: 'subscribe ack' })
    for (const real of fixtureFrames('ws_subscribe_ack_2022-05.jsonl')) {
      expect(parseFrame(real, ctx)).toEqual({ kind: 'ignored', reason: 'subscribe ack' })
    }
    expect(parseFrame(error, ctx)).toMatchObject({
      kind: 'venue_error',
      message: expect.stringMatching(/^60012 Invalid request/) as unknown,
    })
    expect(parseFrame(migrated, ctx)).toEqual({
      kind: 'venue_error',
      message: '64001 The channel has been migrated to business endpoint',
    })
    expect(parseFrame(notice, ctx)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('64008') as unknown,
    })
    expect(
      parseFrame('{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"px":"1"}]}', ctx)
    ).toMatchObject({ kind: 'invalid' })
    expect(parseFrame('{"nope":1}', ctx)).toMatchObject({ kind: 'invalid' })
    expect(parseFrame('not json', ctx)).toEqual({ kind: 'invalid', reason: 'not JSON' })
  })
})
