import { isBinanceInterval, type BinanceKlineRow } from './events.ts'
import { DELIVERY_CONTRACT, exchangeInfoBody } from './exchange-info.ts'

export interface BinancePremiumIndexValue {
  markPrice: string
  lastFundingRate: string
  nextFundingTime: number
  time: number
  indexPrice?: string
}

export interface BinanceFundingRow {
  fundingRate: string
  fundingTime: number
  markPrice?: string
}

export interface BinanceOpenInterestHistRow {
  sumOpenInterest: string
  sumOpenInterestValue: string
  timestamp: number
}

/** What the fake venue's REST answers from; setters in fake-binance-rest.ts fill it. */
export interface RestState {
  /** perpetuals listed by exchangeInfo */
  symbols: Set<string>
  klines: Map<string, BinanceKlineRow[]>
  openInterest: Map<string, { openInterest: string; time: number }>
  premium: Map<string, BinancePremiumIndexValue>
  funding: Map<string, BinanceFundingRow[]>
  oiHist: Map<string, BinanceOpenInterestHistRow[]>
}

const OI_PERIODS = new Set(['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'])

export type Query = Record<string, string>
export interface Answer {
  status: number
  body: unknown
}
export interface Route {
  weight: (query: Query) => number
  answer: (query: Query) => Answer
}

/** A Binance 400: `{code, msg}`. */
export class BadRequest extends Error {
  constructor(
    readonly code: number,
    message: string
  ) {
    super(message)
    this.name = 'BadRequest'
  }
}

const mandatory = (name: string) =>
  new BadRequest(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`)

function intParam(query: Query, name: string): number | undefined {
  const text = query[name]
  if (text === undefined || text === '') return undefined
  if (!/^[0-9]{1,20}$/.test(text)) {
    throw new BadRequest(
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`
    )
  }
  return Number(text)
}

function limitParam(query: Query, fallback: number, max: number): number {
  return Math.min(Math.max(intParam(query, 'limit') ?? fallback, 1), max)
}

/** Binance's window rule: from startTime forward when given, else the newest `limit` rows. */
function selectWindow<T>(
  rows: readonly T[],
  timeOf: (row: T) => number,
  query: Query,
  limit: number
): T[] {
  const start = intParam(query, 'startTime')
  const end = intParam(query, 'endTime')
  if (start !== undefined && end !== undefined && start > end) {
    throw new BadRequest(-1023, 'Start time is greater than end time.')
  }
  const inside = rows.filter(
    (row) =>
      (start === undefined || timeOf(row) >= start) && (end === undefined || timeOf(row) <= end)
  )
  return start !== undefined ? inside.slice(0, limit) : inside.slice(-limit)
}

function klinesWeight(limit: number): number {
  if (limit < 100) return 1
  if (limit < 500) return 2
  if (limit <= 1000) return 5
  return 10
}

function limitParamSafe(query: Query, fallback: number, max: number): number {
  try {
    return limitParam(query, fallback, max)
  } catch {
    return fallback
  }
}

/** The routes by path, each with its Binance weight. */
export function createRoutes(state: RestState, now: () => number): Record<string, Route> {
  const { symbols, klines, openInterest, premium, funding, oiHist } = state
  const known = (symbol: string) => symbols.has(symbol) || symbol === DELIVERY_CONTRACT
  function requireSymbol(query: Query): string {
    const symbol = query.symbol
    if (symbol === undefined || symbol === '') throw mandatory('symbol')
    if (!known(symbol)) throw new BadRequest(-1121, 'Invalid symbol.')
    return symbol
  }
  function premiumBody(symbol: string) {
    const value = premium.get(symbol) ?? {
      markPrice: '0',
      lastFundingRate: '0',
      nextFundingTime: 0,
      time: now(),
    }
    return {
      symbol,
      markPrice: value.markPrice,
      indexPrice: value.indexPrice ?? value.markPrice,
      estimatedSettlePrice: value.indexPrice ?? value.markPrice,
      lastFundingRate: value.lastFundingRate,
      interestRate: '0.00010000',
      nextFundingTime: value.nextFundingTime,
      time: value.time,
    }
  }

  return {
    '/fapi/v1/exchangeInfo': {
      weight: () => 1,
      answer: () => ({ status: 200, body: exchangeInfoBody([...symbols], now()) }),
    },
    '/fapi/v1/klines': {
      weight: (query) => klinesWeight(limitParamSafe(query, 500, 1500)),
      answer: (query) => {
        const symbol = requireSymbol(query)
        const interval = query.interval
        if (interval === undefined || interval === '') throw mandatory('interval')
        if (!isBinanceInterval(interval)) throw new BadRequest(-1120, 'Invalid interval.')
        const rows = klines.get(`${symbol} ${interval}`) ?? []
        return {
          status: 200,
          body: selectWindow(rows, (row) => row[0], query, limitParam(query, 500, 1500)),
        }
      },
    },
    '/fapi/v1/openInterest': {
      weight: () => 1,
      answer: (query) => {
        const symbol = requireSymbol(query)
        const value = openInterest.get(symbol) ?? { openInterest: '0.000', time: now() }
        return { status: 200, body: { openInterest: value.openInterest, symbol, time: value.time } }
      },
    },
    '/fapi/v1/premiumIndex': {
      weight: (query) => (query.symbol ? 1 : 10),
      answer: (query) => {
        if (query.symbol === undefined || query.symbol === '') {
          return { status: 200, body: [...premium.keys()].map(premiumBody) }
        }
        return { status: 200, body: premiumBody(requireSymbol(query)) }
      },
    },
    '/fapi/v1/fundingRate': {
      weight: () => 1,
      answer: (query) => {
        const chosen = query.symbol ? [requireSymbol(query)] : [...funding.keys()]
        const rows = chosen
          .flatMap((symbol) => (funding.get(symbol) ?? []).map((row) => ({ symbol, ...row })))
          .sort((a, b) => a.fundingTime - b.fundingTime)
        const body = selectWindow(
          rows,
          (row) => row.fundingTime,
          query,
          limitParam(query, 100, 1000)
        )
        return {
          status: 200,
          body: body.map(({ symbol, fundingRate, fundingTime, markPrice }) =>
            markPrice === undefined
              ? { symbol, fundingRate, fundingTime }
              : { symbol, fundingRate, fundingTime, markPrice }
          ),
        }
      },
    },
    // "Weight: 0"; this family has its own 1000 requests / 5 min bucket instead
    '/futures/data/openInterestHist': {
      weight: () => 0,
      answer: (query) => {
        const symbol = requireSymbol(query)
        const period = query.period
        if (period === undefined || period === '') throw mandatory('period')
        if (!OI_PERIODS.has(period)) {
          throw new BadRequest(-1130, "Data sent for parameter 'period' is not valid.")
        }
        const rows = oiHist.get(`${symbol} ${period}`) ?? []
        const body = selectWindow(rows, (row) => row.timestamp, query, limitParam(query, 30, 500))
        return { status: 200, body: body.map((row) => ({ symbol, ...row })) }
      },
    },
  }
}
