import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BinanceKlineRow } from './events.ts'
import { DEFAULT_PERPETUALS, DELIVERY_CONTRACT } from './exchange-info.ts'
import {
  BadRequest,
  createRoutes,
  type Answer,
  type BinanceFundingRow,
  type BinanceOpenInterestHistRow,
  type BinancePremiumIndexValue,
  type Query,
} from './rest-routes.ts'

export type {
  BinanceFundingRow,
  BinanceOpenInterestHistRow,
  BinancePremiumIndexValue,
} from './rest-routes.ts'
import { upsertCandleRow } from '../candle-rows.ts'

/** The fake venue's REST state and one-shot faults. */
export interface FakeBinanceRest {
  setKlines(symbol: string, interval: string, rows: BinanceKlineRow[]): void
  /** replaces the row with the same open time or inserts it; keeps at most `maxRows` newest rows */
  upsertKline(symbol: string, interval: string, row: BinanceKlineRow, maxRows?: number): void
  setOpenInterest(symbol: string, value: { openInterest: string; time: number }): void
  setPremiumIndex(symbol: string, value: BinancePremiumIndexValue): void
  setFundingHistory(symbol: string, rows: BinanceFundingRow[]): void
  setOpenInterestHist(symbol: string, period: string, rows: BinanceOpenInterestHistRow[]): void
  /** lists a perpetual as trading (exchangeInfo shows it from the next request) */
  list(symbol: string): void
  /** takes a perpetual off exchangeInfo, as a delisting does */
  delist(symbol: string): void
  /** the next request to `path` gets this answer instead (queued when called repeatedly) */
  failNext(path: string, status: number, body?: unknown, headers?: Record<string, string>): void
  /** the next request to `path` waits `ms` before being answered */
  delayNext(path: string, ms: number): void
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
}

/** Binance's USD-M request-weight budget per minute (exchangeInfo `rateLimits`). */
export const WEIGHT_LIMIT_1M = 2400
// 429s answered in one minute before the IP is banned with 418
const VIOLATIONS_BEFORE_BAN = 10
const BAN_MS = 120_000
interface Fault {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

function defaultFaultBody(status: number): unknown {
  if (status === 429 || status === 418) {
    return {
      code: -1003,
      msg: 'Too many requests; current limit of IP is 2400 requests per minute.',
    }
  }
  if (status >= 500)
    return { code: -1000, msg: 'An unknown error occurred while processing the request.' }
  return { code: -1000, msg: 'Request failed.' }
}

/** REST half of the fake venue: state, routes, weight budget, one-shot faults. */
export function createFakeBinanceRest(
  now: () => number,
  listing: readonly string[] = DEFAULT_PERPETUALS
) {
  const symbols = new Set<string>(listing)
  const klines = new Map<string, BinanceKlineRow[]>()
  const openInterest = new Map<string, { openInterest: string; time: number }>()
  const premium = new Map<string, BinancePremiumIndexValue>()
  const funding = new Map<string, BinanceFundingRow[]>()
  const oiHist = new Map<string, BinanceOpenInterestHistRow[]>()
  const faults = new Map<string, Fault[]>()
  const delays = new Map<string, number[]>()
  const requests: RecordedRequest[] = []
  let windowStart = 0
  let used = 0
  let violations = 0
  let bannedUntil = 0

  const addSymbol = (symbol: string) => {
    if (symbol !== DELIVERY_CONTRACT) symbols.add(symbol)
  }
  const routes = createRoutes({ symbols, klines, openInterest, premium, funding, oiHist }, now)

  /** Charges `weight`; returns the refusal when the budget or a ban says no. */
  function charge(weight: number): { status: number; retryAfter: number } | undefined {
    const time = now()
    const minute = Math.floor(time / 60_000) * 60_000
    if (minute !== windowStart) {
      windowStart = minute
      used = 0
      violations = 0
    }
    if (time < bannedUntil)
      return { status: 418, retryAfter: Math.ceil((bannedUntil - time) / 1000) }
    used += weight
    if (used <= WEIGHT_LIMIT_1M) return undefined
    violations += 1
    if (violations > VIOLATIONS_BEFORE_BAN) {
      bannedUntil = time + BAN_MS
      return { status: 418, retryAfter: BAN_MS / 1000 }
    }
    return { status: 429, retryAfter: Math.max(1, Math.ceil((minute + 60_000 - time) / 1000)) }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const query: Query = Object.fromEntries(url.searchParams)
    const path = url.pathname
    requests.push({ method: req.method ?? 'GET', path, query })

    const delay = delays.get(path)?.shift()
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay))

    const route = req.method === 'GET' ? routes[path] : undefined
    const refusal = charge(route ? route.weight(query) : 1)
    const fault = faults.get(path)?.shift()
    let answer: Answer
    let headers: Record<string, string> = {}
    if (fault) {
      answer = { status: fault.status, body: fault.body ?? defaultFaultBody(fault.status) }
      headers = fault.headers ?? {}
    } else if (refusal) {
      answer = { status: refusal.status, body: defaultFaultBody(refusal.status) }
      headers = { 'Retry-After': String(refusal.retryAfter) }
    } else if (!route) {
      answer = { status: 404, body: { code: -5000, msg: 'Path not found' } }
    } else {
      try {
        answer = route.answer(query)
      } catch (error) {
        if (!(error instanceof BadRequest)) throw error
        answer = { status: 400, body: { code: error.code, msg: error.message } }
      }
    }
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
    res.writeHead(answer.status, {
      'Content-Type': typeof answer.body === 'string' ? 'text/plain' : 'application/json',
      'X-MBX-USED-WEIGHT-1M': String(used),
      ...headers,
    })
    res.end(text)
  }

  const rest: FakeBinanceRest = {
    list: addSymbol,
    delist(symbol) {
      symbols.delete(symbol)
    },
    setKlines(symbol, interval, rows) {
      addSymbol(symbol)
      klines.set(
        `${symbol} ${interval}`,
        [...rows].sort((a, b) => a[0] - b[0])
      )
    },
    upsertKline(symbol, interval, row, maxRows = Infinity) {
      addSymbol(symbol)
      const key = `${symbol} ${interval}`
      klines.set(
        key,
        upsertCandleRow(klines.get(key) ?? [], row, (r) => r[0], maxRows)
      )
    },
    setOpenInterest(symbol, value) {
      addSymbol(symbol)
      openInterest.set(symbol, { ...value })
    },
    setPremiumIndex(symbol, value) {
      addSymbol(symbol)
      premium.set(symbol, { ...value })
    },
    setFundingHistory(symbol, rows) {
      addSymbol(symbol)
      funding.set(
        symbol,
        [...rows].sort((a, b) => a.fundingTime - b.fundingTime)
      )
    },
    setOpenInterestHist(symbol, period, rows) {
      addSymbol(symbol)
      oiHist.set(
        `${symbol} ${period}`,
        [...rows].sort((a, b) => a.timestamp - b.timestamp)
      )
    },
    failNext(path, status, body, headers) {
      faults.set(path, [...(faults.get(path) ?? []), { status, body, headers }])
    },
    delayNext(path, ms) {
      delays.set(path, [...(delays.get(path) ?? []), ms])
    },
  }

  return { rest, requests, handle }
}
