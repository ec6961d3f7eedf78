import { describe, expect, test } from 'vitest'
import type { RestClient } from './adapter.ts'
import {
  FUNDING_INTERVAL_POLL_MS,
  forEachSymbol,
  fundingIntervalHoursFrom,
  fundingIntervalPoll,
} from './funding-history.ts'
import { testContext } from './test-fixtures.ts'

const HOUR = 3_600_000
const unusedClient: RestClient = {
  request: () => Promise.reject(new Error('the history function is given, not the client')),
}

describe('fundingIntervalHoursFrom', () => {
  test.each([
    [[], null],
    [[{ time: 1, rate: 0 }], null],
    [
      [
        { time: HOUR * 5, rate: 0 },
        { time: HOUR, rate: 0 },
      ],
      4,
    ],
    [
      [
        { time: 0, rate: 0 },
        { time: 3_599_000, rate: 0 },
      ],
      1,
    ],
    [
      [
        { time: 7, rate: 0 },
        { time: 7, rate: 0 },
      ],
      null,
    ],
    // a period changed from 8 h to 4 h: the newest gap counts
    [
      [
        { time: 0, rate: 0 },
        { time: 8 * HOUR, rate: 0 },
        { time: 12 * HOUR, rate: 0 },
      ],
      4,
    ],
  ])('fundingIntervalHoursFrom(%j) = %s', (history, hours) => {
    expect(fundingIntervalHoursFrom(history)).toBe(hours)
  })
})

describe('forEachSymbol', () => {
  test('one failing symbol leaves the others; all failing fails with the first reason', async () => {
    const half = await forEachSymbol(['A', 'B', 'C'], (symbol) =>
      symbol === 'B' ? Promise.reject(new Error('B down')) : Promise.resolve(symbol.toLowerCase())
    )
    expect(half).toEqual(['a', 'c'])
    await expect(
      forEachSymbol(['A', 'B'], (symbol) => Promise.reject(new Error(`${symbol} down`)))
    ).rejects.toThrow('A down')
    expect(await forEachSymbol([], () => Promise.resolve(1))).toEqual([])
  })
})

describe('fundingIntervalPoll', () => {
  test('stores each period the history shows and keeps the known one where it shows none', async () => {
    const histories: Record<string, number[]> = {
      BTCUSDT: [0, 8 * HOUR, 16 * HOUR],
      ETHUSDT: [HOUR, 2 * HOUR],
      SOLUSDT: [HOUR],
    }
    const asked: string[] = []
    const poll = fundingIntervalPoll(
      Object.keys(histories),
      (_rest, symbol) => {
        asked.push(symbol)
        return Promise.resolve((histories[symbol] ?? []).map((time) => ({ time, rate: 0.0001 })))
      },
      10
    )
    const ctx = testContext(Object.keys(histories))
    ctx.learn({ fundingIntervalHours: { SOLUSDT: 4 } })
    expect([poll.name, poll.everyMs]).toEqual(['funding_interval', FUNDING_INTERVAL_POLL_MS])
    expect(await poll.run(unusedClient, ctx)).toEqual([])
    expect(asked).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'])
    expect(Object.fromEntries(ctx.market.fundingIntervalHours)).toEqual({
      BTCUSDT: 8,
      ETHUSDT: 1,
      SOLUSDT: 4,
    })
  })

  test('reads a whole market in turns within its requests per minute', async () => {
    const symbols = Array.from({ length: 25 }, (_, i) => `C${i}USDT`)
    const asked: string[][] = []
    let run: string[] = []
    const poll = fundingIntervalPoll(
      symbols,
      (_rest, symbol) => {
        run.push(symbol)
        return Promise.resolve([])
      },
      10
    )
    // three turns of at most 10 cover the 25 symbols; the 30 min spread over them, 1 min at least
    expect(poll.everyMs).toBe(10 * 60_000)
    for (let turn = 0; turn < 3; turn++) {
      run = []
      await poll.run(unusedClient, testContext(symbols))
      asked.push(run)
    }
    expect(asked.map((names) => names.length)).toEqual([10, 10, 10])
    expect(new Set(asked.flat())).toEqual(new Set(symbols))
  })
})
