import type { IncomingMessage, ServerResponse } from 'node:http'
import { okxCanonicalInterval, okxInstId, type OkxCandleRow } from './events.ts'
import { upsertCandleRow } from '../candle-rows.ts'

/** A swap as `/api/v5/public/instruments?instType=SWAP` lists it. */
export interface OkxInstrument {
  instId: string
  ctVal: string
  ctType?: 'linear' | 'inverse'
  settleCcy?: string
  state?: 'live' | 'suspend' | 'preopen'
}

/** The fake venue's REST state and one-shot faults. */
export interface FakeOkxRest {
  setInstruments(instruments: OkxInstrument[]): void
  /** lists a linear USDT swap (`BTC-USDT-SWAP`) as live, contract value 1 */
  list(instId: string): void
  /** takes a swap off the instrument list, as a delisting does */
  delist(instId: string): void
  /** rows in any order (canonical interval); answered newest first */
  setCandles(instId: string, interval: string, rows: OkxCandleRow[]): void
  upsertCandle(instId: string, interval: string, row: OkxCandleRow, maxRows?: number): void
  setOpenInterest(
    instId: string,
    value: { oi: string; oiCcy: string; oiUsd: string; ts: number }
  ): void
  setFundingRate(
    instId: string,
    value: { fundingRate: string; fundingTime: number; nextFundingTime: number; ts: number }
  ): void
  setMarkPrice(instId: string, value: { markPx: string; ts: number }): void
  /** rows `[ts, oi, oiCcy, oiUsd]` for a period (`5m`, `15m`, `1H`) */
  setOpenInterestHistory(
    instId: string,
    period: string,
    rows: [number, string, string, string][]
  ): void
  /** the next request to `path` gets this answer instead (queued when called repeatedly) */
  failNext(path: string, status: number, body?: unknown): void
}

export interface RecordedOkxRequest {
  method: string
  path: string
  query: Record<string, string>
}

export const OKX_DEFAULT_INSTRUMENTS: OkxInstrument[] = [
  { instId: 'BTC-USDT-SWAP', ctVal: '0.01' },
  { instId: 'ETH-USDT-SWAP', ctVal: '0.1' },
  { instId: 'SOL-USDT-SWAP', ctVal: '1' },
  { instId: 'BTC-USD-SWAP', ctVal: '100', ctType: 'inverse', settleCcy: 'BTC' },
]

type Answer = { status: number; body: unknown }
type Query = Record<string, string>
const ok = (data: unknown[]): Answer => ({ status: 200, body: { code: '0', msg: '', data } })
const error = (code: string, msg: string, status = 200): Answer => ({
  status,
  body: { code, msg, data: [] },
})

export function createFakeOkxRest(listing?: readonly string[]) {
  let instruments: OkxInstrument[] = listing
    ? listing.map((instId) => ({ instId, ctVal: '1' }))
    : OKX_DEFAULT_INSTRUMENTS.map((item) => ({ ...item }))
  const candles = new Map<string, OkxCandleRow[]>()
  const openInterest = new Map<string, Record<string, string>>()
  const funding = new Map<string, Record<string, string>>()
  const marks = new Map<string, Record<string, string>>()
  const oiHistory = new Map<string, [number, string, string, string][]>()
  const faults = new Map<string, Answer[]>()
  const requests: RecordedOkxRequest[] = []
  const listed = (instId: string | undefined) => instruments.some((item) => item.instId === instId)

  function candleRows(query: Query, page: number): Answer {
    const interval = okxCanonicalInterval(query.bar ?? '1m')
    if (interval === undefined) return error('51000', 'Parameter bar error')
    if (!listed(query.instId)) return error('51001', 'Instrument ID does not exist')
    const after = query.after === undefined ? Infinity : Number(query.after)
    const before = query.before === undefined ? -Infinity : Number(query.before)
    const rows = (candles.get(`${query.instId}:${interval}`) ?? [])
      .filter((row) => Number(row[0]) < after && Number(row[0]) > before)
      .sort((a, b) => Number(b[0]) - Number(a[0]))
      .slice(0, Math.min(Number(query.limit ?? 100), page))
    return ok(rows)
  }

  function one(map: Map<string, Record<string, string>>, query: Query): Answer {
    if (!listed(query.instId)) return error('51001', 'Instrument ID does not exist')
    const value = map.get(query.instId ?? '')
    return ok(value ? [{ instType: 'SWAP', instId: query.instId, ...value }] : [])
  }

  const routes: Record<string, (query: Query) => Answer> = {
    '/api/v5/public/instruments': (query) =>
      query.instType !== 'SWAP'
        ? error('51000', 'Parameter instType error')
        : ok(
            instruments.map((item) => ({
              instType: 'SWAP',
              instId: item.instId,
              instFamily: item.instId.replace(/-SWAP$/, ''),
              uly: item.instId.replace(/-SWAP$/, ''),
              ctType: item.ctType ?? 'linear',
              ctVal: item.ctVal,
              ctValCcy: item.instId.split('-')[0],
              ctMult: '1',
              settleCcy: item.settleCcy ?? 'USDT',
              state: item.state ?? 'live',
              lotSz: '1',
              minSz: '1',
              tickSz: '0.1',
            }))
          ),
    '/api/v5/market/candles': (query) => candleRows(query, 300),
    '/api/v5/market/history-candles': (query) => candleRows(query, 100),
    '/api/v5/public/open-interest': (query) => one(openInterest, query),
    '/api/v5/public/funding-rate': (query) => one(funding, query),
    '/api/v5/public/mark-price': (query) => one(marks, query),
    '/api/v5/rubik/stat/contracts/open-interest-history': (query) => {
      if (!listed(query.instId)) return error('51001', 'Instrument ID does not exist')
      const rows = (oiHistory.get(`${query.instId}:${query.period}`) ?? [])
        .slice()
        .sort((a, b) => b[0] - a[0])
        .slice(0, Math.min(Number(query.limit ?? 100), 100))
      return ok(rows.map(([ts, ...rest]) => [String(ts), ...rest]))
    },
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const query = Object.fromEntries(url.searchParams)
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query })
    const route = routes[url.pathname]
    const { status, body } =
      faults.get(url.pathname)?.shift() ?? (route ? route(query) : error('404', 'Not Found', 404))
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
    return Promise.resolve()
  }

  const stamp = (value: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(value).map(([key, v]) => [key, String(v)]))
  const rest: FakeOkxRest = {
    setInstruments(list) {
      instruments = list.map((item) => ({ ...item }))
    },
    list(instId) {
      if (!listed(instId)) instruments.push({ instId, ctVal: '1' })
    },
    delist(instId) {
      instruments = instruments.filter((item) => item.instId !== instId)
    },
    setCandles(instId, interval, rows) {
      candles.set(
        `${instId}:${interval}`,
        rows.map((row) => [...row] as OkxCandleRow)
      )
    },
    upsertCandle(instId, interval, row, maxRows = 1_440) {
      const key = `${instId}:${interval}`
      const copy = [...row] as OkxCandleRow
      candles.set(
        key,
        upsertCandleRow(candles.get(key) ?? [], copy, (r) => Number(r[0]), maxRows)
      )
    },
    setOpenInterest: (instId, value) => void openInterest.set(instId, stamp(value)),
    setFundingRate: (instId, value) => void funding.set(instId, stamp(value)),
    setMarkPrice: (instId, value) => void marks.set(instId, stamp(value)),
    setOpenInterestHistory(instId, period, rows) {
      oiHistory.set(
        `${instId}:${period}`,
        rows.map((row) => [...row] as [number, string, string, string])
      )
    },
    failNext(path, status, body) {
      const queue = faults.get(path) ?? []
      queue.push({ status, body: body ?? { code: '50011', msg: 'Too Many Requests', data: [] } })
      faults.set(path, queue)
    },
  }
  return { rest, requests, handle, okxInstId }
}
