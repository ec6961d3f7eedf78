import { describe, expect, test } from 'vitest'
import { learntOf, recordsOf, type ParseContext, type ParseResult } from '../adapter.ts'
import { createParser, TICKER_PUBLISH_EVERY_MS } from './parse.ts'
import { fixtureFrames, RECEIVED_AT, testContext } from './test-fixtures.ts'

/** A frame as the first on a new connection. */
function parse(frame: string, ctx: ParseContext): ParseResult {
  return createParser().parse(frame, ctx)
}

describe('Bybit frames', () => {
  test('publicTrade: the taker side, base size, event ids; inverse contracts are not tracked', () => {
    const [inverse = '', linear = ''] = fixtureFrames('ws_publicTrade_2023-04.jsonl')
    const ctx = testContext(['LTCUSDT', 'BTCUSDT'])
    expect(parse(inverse, ctx)).toMatchObject({
      kind: 'ignored',
      stream: 'publicTrade.BTCUSD',
    })
    expect(parse(linear, ctx)).toEqual({
      kind: 'records',
      stream: 'publicTrade.LTCUSDT',
      records: [
        {
          kind: 'trade',
          record: {
            exchange: 'bybit',
            symbol: 'LTCUSDT',
            timestamp: 1680688979983,
            received_at: RECEIVED_AT,
            id: 'bybit:LTCUSDT:4c7b6bdc-b4a3-5716-9c7b-bbe01dc7072f',
            side: 'buy',
            price: 94.53,
            quantity: 0.4,
            value_usd: 94.53 * 0.4,
            trade_id: '4c7b6bdc-b4a3-5716-9c7b-bbe01dc7072f',
          },
        },
      ],
    })
  })

  test('allLiquidation: S is the position side, so Sell is a liquidated short', () => {
    const [frame = ''] = fixtureFrames('ws_allLiquidation_2025-02.jsonl')
    expect(recordsOf(parse(frame, testContext(['PIPPINUSDT'])))).toEqual([
      {
        kind: 'liquidation',
        record: {
          exchange: 'bybit',
          symbol: 'PIPPINUSDT',
          timestamp: 1740480207110,
          received_at: RECEIVED_AT,
          id: 'bybit:PIPPINUSDT:1740480207110:short:0.02456:2846',
          side: 'short',
          price: 0.02456,
          quantity: 2846,
          value_usd: 0.02456 * 2846,
        },
      },
    ])
    const buy = frame.replace('"S":"Sell"', '"S":"Buy"')
    expect(recordsOf(parse(buy, testContext(['PIPPINUSDT'])))[0]?.record).toMatchObject({
      side: 'long',
    })
  })

  test('kline: open, then confirmed; turnover is the quote volume', () => {
    const [open = '', confirmed = ''] = fixtureFrames('ws_kline_docs.jsonl')
    const ctx = testContext(['BTCUSDT'])
    expect(parse(open, ctx)).toEqual({
      kind: 'records',
      stream: 'kline.5.BTCUSDT',
      records: [
        {
          kind: 'ohlc',
          record: {
            exchange: 'bybit',
            symbol: 'BTCUSDT',
            timestamp: 1672324800000,
            received_at: RECEIVED_AT,
            interval: '5m',
            open: 16649.5,
            high: 16677,
            low: 16608,
            close: 16677,
            volume: 2.081,
            quote_volume: 34666.4005,
            trades: null,
            closed: false,
          },
        },
      ],
    })
    expect(recordsOf(parse(confirmed, ctx))[0]?.record).toMatchObject({
      close: 16680.5,
      volume: 3.581,
      closed: true,
    })
  })

  test('tickers: deltas merge onto the snapshot; OI and funding come from the merged state', () => {
    const [, , snapshot = ''] = fixtureFrames('ws_tickers_snapshot_delta_2023-04.jsonl')
    const ctx = testContext(['BTCUSDT'])
    const connection = createParser()
    const first = connection.parse(snapshot, ctx)
    expect(recordsOf(first)).toEqual([
      {
        kind: 'open_interest',
        record: {
          exchange: 'bybit',
          symbol: 'BTCUSDT',
          timestamp: 1680673821770,
          received_at: RECEIVED_AT,
          open_interest: 52774.528,
          open_interest_usd: 1506861070.82,
        },
      },
      {
        kind: 'funding_rate',
        record: {
          exchange: 'bybit',
          symbol: 'BTCUSDT',
          timestamp: 1680673821770,
          received_at: RECEIVED_AT,
          funding_rate: 0.0001,
          interval_hours: 8,
          next_funding_time: 1680681600000,
          mark_price: 28552.81,
        },
      },
    ])
    expect(learntOf(first)).toEqual({ markPrice: { BTCUSDT: 28552.81 } })

    // a delta with only the open interest, within a second: remembered, not yet published
    const delta = (ts: number, data: Record<string, string>) =>
      JSON.stringify({
        topic: 'tickers.BTCUSDT',
        type: 'delta',
        data: { symbol: 'BTCUSDT', ...data },
        cs: 1,
        ts,
      })
    const t0 = 1680673821770
    expect(connection.parse(delta(t0 + 100, { openInterest: '52780.000' }), ctx)).toMatchObject({
      kind: 'ignored',
      learnt: { markPrice: { BTCUSDT: 28552.81 } },
    })
    // a mark price change a second later publishes the open interest, which alone changed
    const marked = connection.parse(
      delta(t0 + TICKER_PUBLISH_EVERY_MS, { markPrice: '28600.00' }),
      ctx
    )
    expect(recordsOf(marked)).toEqual([
      {
        kind: 'open_interest',
        record: {
          exchange: 'bybit',
          symbol: 'BTCUSDT',
          timestamp: t0 + TICKER_PUBLISH_EVERY_MS,
          received_at: RECEIVED_AT,
          open_interest: 52780,
          // the value field did not change in the delta: the last one stands
          open_interest_usd: 1506861070.82,
        },
      },
    ])
    expect(learntOf(marked)).toEqual({ markPrice: { BTCUSDT: 28600 } })
    // funding fields in a delta: the merged rate with the latest mark and the known period
    ctx.learn({ fundingIntervalHours: { BTCUSDT: 4 } })
    expect(
      recordsOf(
        connection.parse(delta(t0 + 2 * TICKER_PUBLISH_EVERY_MS, { fundingRate: '-0.0002' }), ctx)
      )
    ).toEqual([
      {
        kind: 'funding_rate',
        record: {
          exchange: 'bybit',
          symbol: 'BTCUSDT',
          timestamp: t0 + 2 * TICKER_PUBLISH_EVERY_MS,
          received_at: RECEIVED_AT,
          funding_rate: -0.0002,
          interval_hours: 4,
          next_funding_time: 1680681600000,
          mark_price: 28600,
        },
      },
    ])
  })

  test('tickers: a delta before any snapshot is ignored; singleOpenInterest is preferred', () => {
    const ctx = testContext(['ETHUSDT'])
    const connection = createParser()
    const frame = (type: string, data: Record<string, string>) =>
      JSON.stringify({
        topic: 'tickers.ETHUSDT',
        type,
        data: { symbol: 'ETHUSDT', ...data },
        ts: 5,
      })
    expect(connection.parse(frame('delta', { openInterest: '10' }), ctx)).toMatchObject({
      kind: 'ignored',
      reason: 'delta before any snapshot',
    })
    const records = recordsOf(
      connection.parse(
        frame('snapshot', {
          markPrice: '2000',
          openInterest: '200',
          openInterestValue: '400000',
          singleOpenInterest: '100',
          singleOpenInterestValue: '200000',
          fundingRate: '0.0001',
          nextFundingTime: '1700000000000',
        }),
        ctx
      )
    )
    expect(records[0]?.record).toMatchObject({ open_interest: 100, open_interest_usd: 200000 })
  })

  test('op frames: pongs of both shapes, acks ignored, a failed subscribe is a venue error', () => {
    const [ack = '', pong = '', failed = '', otherPong = ''] = fixtureFrames('ws_op_frames.jsonl')
    const ctx = testContext(['BTCUSDT'])
    expect(parse(ack, ctx)).toEqual({ kind: 'ignored', reason: 'subscribe ack' })
    expect(parse(pong, ctx)).toEqual({ kind: 'pong' })
    expect(parse(otherPong, ctx)).toEqual({ kind: 'pong' })
    expect(parse(failed, ctx)).toEqual({
      kind: 'venue_error',
      message: 'subscribe: Invalid topic :[publicTrade.NOPE]',
    })
  })

  test('malformed frames are invalid, never thrown', () => {
    const ctx = testContext(['BTCUSDT'])
    expect(parse('not json', ctx)).toEqual({ kind: 'invalid', reason: 'not JSON' })
    expect(parse('{"hello":1}', ctx)).toMatchObject({ kind: 'invalid' })
    expect(
      parse('{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1}]}', ctx)
    ).toEqual({
      kind: 'invalid',
      reason: 'publicTrade.BTCUSDT: 0.s: Invalid input: expected string, received undefined',
    })
    expect(parse('{"topic":"orderbook.1.BTCUSDT","data":{}}', ctx)).toMatchObject({
      kind: 'ignored',
    })
  })
})
