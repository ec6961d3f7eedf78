import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  bybitCanonicalInterval,
  bybitEvents,
  type BybitKlineRow,
  type BybitTickerFields,
} from './events.ts'
import { upsertCandleRow } from '../candle-rows.ts'

/** A linear instrument as instruments-info lists it. */
export interface BybitInstrument {
  symbol: string
  contractType?: 'LinearPerpetual' | 'LinearFutures'
  status?: 'Trading' | 'PreLaunch' | 'Settling' | 'Closed'
  settleCoin?: string
  /** minutes; default 480; null leaves the field out */
  fundingInterval?: number | null
}

/** One settled funding as `/v5/market/funding/history` lists it. */
export interface BybitFundingRow {
  fundingRate: string
  fundingRateTimestamp: number
}

export interface BybitOpenInterestRow {
  openInterest: string
  singleOpenInterest?: string
  timestamp: number
}

/** The fake venue's REST state and one-shot faults. */
export interface FakeBybitRest {
  setInstruments(instruments: BybitInstrument[]): void
  /** lists a USDT perpetual as trading (a new listing) */
  list(symbol: string): void
  /** marks a perpetual Closed, as a delisting does (instruments-info still shows it) */
  delist(symbol: string): void
  /** rows in any order; the venue answers newest first */
  setKlines(symbol: string, interval: string, rows: BybitKlineRow[]): void
  /** replaces the row with the same start time or inserts it; keeps at most `maxRows` newest */
  upsertKline(symbol: string, interval: string, row: BybitKlineRow, maxRows?: number): void
  setTicker(symbol: string, fields: BybitTickerFields): void
  /** `intervalTime` as Bybit names it: 5min, 15min, 30min, 1h, 4h, 1d */
  setOpenInterest(symbol: string, intervalTime: string, rows: BybitOpenInterestRow[]): void
  /** settled fundings in any order; the venue answers newest first */
  setFundingHistory(symbol: string, rows: BybitFundingRow[]): void
  /** the next request to `path` gets this answer instead (queued when called repeatedly) */
  failNext(path: string, status: number, body?: unknown): void
}

export interface RecordedBybitRequest {
  method: string
  path: string
  query: Record<string, string>
}

/** Bybit's IP limit: 600 requests in any 5 s window; beyond it HTTP 403 "access too frequent". */
export const BYBIT_REQUESTS_PER_5S = 600
const MAX_KLINES = 1000
const OI_INTERVALS = new Set(['5min', '15min', '30min', '1h', '4h', '1d'])

export const BYBIT_DEFAULT_INSTRUMENTS: BybitInstrument[] = [
  { symbol: 'BTCUSDT', fundingInterval: 480 },
  { symbol: 'ETHUSDT', fundingInterval: 480 },
  { symbol: 'SOLUSDT', fundingInterval: 480 },
  { symbol: '1000PEPEUSDT', fundingInterval: 240 },
  { symbol: 'BTC-26DEC25', contractType: 'LinearFutures', fundingInterval: 0 },
  { symbol: 'BTCPERP', settleCoin: 'USDC', fundingInterval: 480 },
]

type Answer = { status: number; body: unknown }
type Query = Record<string, string>

const ok = (result: unknown, now: number): Answer => ({
  status: 200,
  body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: now },
})
const paramsError = (message: string, now: number): Answer => ({
  status: 200,
  body: {
    retCode: 10001,
    retMsg: `params error: ${message}`,
    result: {},
    retExtInfo: {},
    time: now,
  },
})

/** instruments-info pages: `limit` 1..1000, default 500 (Bybit v5 docs). */
const INSTRUMENTS_DEFAULT_LIMIT = 500
const INSTRUMENTS_MAX_LIMIT = 1000

export interface FakeBybitRestOptions {
  requestsPer5s?: number
  /** listed USDT perpetuals instead of the defaults */
  symbols?: readonly string[]
  /** the most instruments one page holds, whatever `limit` asks (tests force paging) */
  instrumentsPageSize?: number
}

export function createFakeBybitRest(now: () => number, options: FakeBybitRestOptions = {}) {
  const requestsPer5s = options.requestsPer5s ?? BYBIT_REQUESTS_PER_5S
  let instruments: BybitInstrument[] = options.symbols
    ? options.symbols.map((symbol) => ({ symbol, fundingInterval: 480 }))
    : BYBIT_DEFAULT_INSTRUMENTS.map((item) => ({ ...item }))
  const klines = new Map<string, BybitKlineRow[]>()
  const tickers = new Map<string, BybitTickerFields>()
  const openInterest = new Map<string, BybitOpenInterestRow[]>()
  const fundings = new Map<string, BybitFundingRow[]>()
  const faults = new Map<string, Answer[]>()
  const requests: RecordedBybitRequest[] = []
  const recent: number[] = []

  const listed = (symbol: string | undefined) =>
    symbol !== undefined && instruments.some((item) => item.symbol === symbol)

  /**
   * One page of instruments: `limit` per page and an opaque `nextPageCursor` ("" on the last
   * page), as Bybit pages linear instruments.
   */
  function instrumentsInfo(query: Query, time: number): Answer {
    const limit = Math.min(
      Number(query.limit ?? INSTRUMENTS_DEFAULT_LIMIT) || INSTRUMENTS_DEFAULT_LIMIT,
      INSTRUMENTS_MAX_LIMIT,
      options.instrumentsPageSize ?? INSTRUMENTS_MAX_LIMIT
    )
    const offset = query.cursor ? Number(Buffer.from(query.cursor, 'base64url').toString()) : 0
    if (!Number.isInteger(offset) || offset < 0) return paramsError('cursor invalid', time)
    const matching = instruments.filter(
      (item) => query.symbol === undefined || item.symbol === query.symbol
    )
    const list = matching.slice(offset, offset + limit).map((item) => ({
      symbol: item.symbol,
      contractType: item.contractType ?? 'LinearPerpetual',
      status: item.status ?? 'Trading',
      baseCoin: item.symbol.replace(/(USDT|PERP|-.*)$/, ''),
      quoteCoin: item.settleCoin ?? 'USDT',
      settleCoin: item.settleCoin ?? 'USDT',
      ...(item.fundingInterval !== null && { fundingInterval: item.fundingInterval ?? 480 }),
    }))
    const next = offset + limit < matching.length
    const nextPageCursor = next ? Buffer.from(String(offset + limit)).toString('base64url') : ''
    return ok({ category: 'linear', list, nextPageCursor }, time)
  }

  function kline(query: Query, time: number): Answer {
    const interval = bybitCanonicalInterval(query.interval ?? '')
    if (interval === undefined) return paramsError('interval invalid', time)
    if (!listed(query.symbol)) return paramsError('symbol invalid', time)
    const limit = Math.min(Number(query.limit ?? 200), MAX_KLINES)
    const start = query.start === undefined ? -Infinity : Number(query.start)
    const end = query.end === undefined ? Infinity : Number(query.end)
    const rows = (klines.get(`${query.symbol}:${interval}`) ?? [])
      .filter((row) => Number(row[0]) >= start && Number(row[0]) <= end)
      .sort((a, b) => Number(b[0]) - Number(a[0]))
      .slice(0, limit)
    return ok({ category: 'linear', symbol: query.symbol, list: rows }, time)
  }

  function tickerList(query: Query, time: number): Answer {
    if (query.symbol !== undefined && !listed(query.symbol))
      return paramsError('symbol invalid', time)
    const list = [...tickers.entries()]
      .filter(([symbol]) => query.symbol === undefined || symbol === query.symbol)
      .map(([symbol, fields]) => bybitEvents.ticker(symbol, fields))
    return ok({ category: 'linear', list }, time)
  }

  function openInterestHistory(query: Query, time: number): Answer {
    if (!OI_INTERVALS.has(query.intervalTime ?? ''))
      return paramsError('intervalTime invalid', time)
    if (!listed(query.symbol)) return paramsError('symbol invalid', time)
    const limit = Math.min(Number(query.limit ?? 50), 200)
    const list = (openInterest.get(`${query.symbol}:${query.intervalTime}`) ?? [])
      .slice()
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, limit)
      .map((row) => ({ ...row, timestamp: String(row.timestamp) }))
    return ok({ category: 'linear', symbol: query.symbol, list, nextPageCursor: '' }, time)
  }

  /** newest first up to `endTime`; a start time without an end is refused, as Bybit does */
  function fundingHistory(query: Query, time: number): Answer {
    if (!listed(query.symbol)) return paramsError('symbol invalid', time)
    if (query.startTime !== undefined && query.endTime === undefined)
      return paramsError('endTime is required with startTime', time)
    const limit = Math.min(Number(query.limit ?? 200), 200)
    const start = query.startTime === undefined ? -Infinity : Number(query.startTime)
    const end = query.endTime === undefined ? Infinity : Number(query.endTime)
    const list = (fundings.get(query.symbol ?? '') ?? [])
      .filter((row) => row.fundingRateTimestamp >= start && row.fundingRateTimestamp <= end)
      .sort((a, b) => b.fundingRateTimestamp - a.fundingRateTimestamp)
      .slice(0, limit)
      .map((row) => ({
        symbol: query.symbol,
        fundingRate: row.fundingRate,
        fundingRateTimestamp: String(row.fundingRateTimestamp),
      }))
    return ok({ category: 'linear', list }, time)
  }

  const routes: Record<string, (query: Query, time: number) => Answer> = {
    '/v5/market/instruments-info': instrumentsInfo,
    '/v5/market/kline': kline,
    '/v5/market/tickers': tickerList,
    '/v5/market/open-interest': openInterestHistory,
    '/v5/market/funding/history': fundingHistory,
  }

  function answer(path: string, query: Query, time: number): Answer {
    const fault = faults.get(path)?.shift()
    if (fault) return fault
    recent.push(time)
    while (recent.length > 0 && (recent[0] ?? time) <= time - 5_000) recent.shift()
    if (recent.length > requestsPer5s) return { status: 403, body: 'access too frequent' }
    const route = routes[path]
    if (!route) return { status: 404, body: 'Not Found' }
    if (query.category !== 'linear') return paramsError('category invalid', time)
    return route(query, time)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const query = Object.fromEntries(url.searchParams)
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query })
    const { status, body } =
      req.method === 'GET'
        ? answer(url.pathname, query, now())
        : { status: 405, body: 'Method Not Allowed' }
    const json = typeof body !== 'string'
    res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'text/plain' })
    res.end(json ? JSON.stringify(body) : body)
    return Promise.resolve()
  }

  const rest: FakeBybitRest = {
    setInstruments(list) {
      instruments = list.map((item) => ({ ...item }))
    },
    list(symbol) {
      const found = instruments.find((item) => item.symbol === symbol)
      if (found) found.status = 'Trading'
      else instruments.push({ symbol, fundingInterval: 480 })
    },
    delist(symbol) {
      const found = instruments.find((item) => item.symbol === symbol)
      if (found) found.status = 'Closed'
    },
    setKlines(symbol, interval, rows) {
      klines.set(
        `${symbol}:${interval}`,
        rows.map((row) => [...row] as BybitKlineRow)
      )
    },
    upsertKline(symbol, interval, row, maxRows = MAX_KLINES) {
      const key = `${symbol}:${interval}`
      const copy = [...row] as BybitKlineRow
      klines.set(
        key,
        upsertCandleRow(klines.get(key) ?? [], copy, (r) => Number(r[0]), maxRows)
      )
    },
    setTicker(symbol, fields) {
      tickers.set(symbol, { ...tickers.get(symbol), ...fields })
    },
    setOpenInterest(symbol, intervalTime, rows) {
      openInterest.set(
        `${symbol}:${intervalTime}`,
        rows.map((row) => ({ ...row }))
      )
    },
    setFundingHistory(symbol, rows) {
      fundings.set(
        symbol,
        rows.map((row) => ({ ...row }))
      )
    },
    failNext(path, status, body) {
      const queue = faults.get(path) ?? []
      queue.push({
        status,
        body: body ?? { retCode: 10016, retMsg: 'Internal server error', result: {} },
      })
      faults.set(path, queue)
    },
  }
  /** the ticker as the `tickers` topic's snapshot carries it; undefined when none was set */
  const tickerOf = (symbol: string) => {
    const fields = tickers.get(symbol)
    return fields && bybitEvents.ticker(symbol, fields)
  }
  return { rest, requests, handle, tickerOf }
}
