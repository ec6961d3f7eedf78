import { expect, test } from 'vitest'
import { ApiError } from './errors.ts'
import { nonNegativeParam, parseQuery, queryText } from './params.ts'
import { routes } from './route-specs.ts'

/** The 400 message a query gets, or the parsed value. */
function outcome(run: () => unknown): unknown {
  try {
    return run()
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return err.message
    throw err
  }
}

const ohlc = (query: Record<string, unknown>) => outcome(() => parseQuery(routes.ohlc.query, query))

test('limit: a default, a range, one message for every bad form', () => {
  expect(ohlc({})).toEqual({ limit: 100 })
  expect(ohlc({ limit: '', other: 'x' })).toEqual({ limit: 100 })
  expect(ohlc({ limit: '1000' })).toEqual({ limit: 1000 })
  for (const bad of ['0', '1001', 'abc', '1.5', '-3', '+3', ' 3', '1e2', '99999999999999999999']) {
    expect(ohlc({ limit: bad })).toBe('limit: must be an integer from 1 to 1000')
  }
  expect(ohlc({ limit: ['5', '6'] })).toBe('limit: must be given once')
})

test('times: integer milliseconds, start not after end, the first bad parameter named', () => {
  expect(ohlc({ start_time: '1000', end_time: '2000' })).toEqual({
    limit: 100,
    start_time: 1000,
    end_time: 2000,
  })
  const time = 'must be a time in integer milliseconds since the Unix epoch'
  expect(ohlc({ start_time: 'yesterday' })).toBe(`start_time: ${time}`)
  expect(ohlc({ end_time: '-1' })).toBe(`end_time: ${time}`)
  expect(ohlc({ start_time: '2000', end_time: '1000' })).toBe(
    'start_time: must not be after end_time'
  )
  // the schema's order decides which of several bad parameters is named
  expect(ohlc({ end_time: 'x', start_time: 'x', limit: '0' })).toMatch(/^limit: /)
  expect(ohlc({ start_time: '2000', end_time: 'x' })).toBe(`end_time: ${time}`)
})

test('feed filters: min_value_usd reads any number form, timeframe names the choices', () => {
  const feed = (query: Record<string, unknown>) =>
    outcome(() => parseQuery(routes.oiSpikes.query, query))
  expect(feed({ timeframe: '4h' })).toBe("timeframe: '4h' is not one of 5m, 15m, 1h")
  expect(feed({ timeframe: '1h', limit: '5' })).toEqual({ timeframe: '1h', limit: 5 })
  expect(nonNegativeParam({ min_value_usd: ' 1e3 ' }, 'min_value_usd')).toBe(1000)
  for (const bad of ['-5', 'abc', ' ', 'Infinity']) {
    expect(outcome(() => nonNegativeParam({ min_value_usd: bad }, 'min_value_usd'))).toBe(
      'min_value_usd: must be a number ≥ 0'
    )
  }
  expect(queryText({ exchange: '' }, 'exchange')).toBeUndefined()
  expect(outcome(() => queryText({ exchange: ['a', 'b'] }, 'exchange'))).toBe(
    'exchange: must be given once'
  )
})
