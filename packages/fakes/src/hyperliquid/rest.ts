import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  hyperliquidEvents,
  isHyperliquidInterval,
  type HyperliquidAssetCtx,
  type HyperliquidCandleRow,
  type HyperliquidFundingRow,
} from './events.ts'
import { upsertCandleRow } from '../candle-rows.ts'

/** A perpetual in `meta.universe`. */
export interface HyperliquidAsset {
  name: string
  szDecimals: number
  maxLeverage: number
  isDelisted?: boolean
  onlyIsolated?: boolean
}

/** The fake venue's info state and one-shot faults. */
export interface FakeHyperliquidRest {
  /** replaces the universe (order = asset ids = the order of metaAndAssetCtxs' contexts) */
  setUniverse(assets: HyperliquidAsset[]): void
  /** lists a coin (appended: asset ids never move), or lists a delisted one again */
  list(coin: string): void
  /** marks a coin `isDelisted`, as Hyperliquid keeps delisted assets in the universe */
  delist(coin: string): void
  setAssetCtx(coin: string, ctx: HyperliquidAssetCtx): void
  setCandles(coin: string, interval: string, rows: HyperliquidCandleRow[]): void
  /** replaces the row with the same open time or inserts it; keeps at most `maxRows` newest rows */
  upsertCandle(coin: string, interval: string, row: HyperliquidCandleRow, maxRows?: number): void
  setFundingHistory(coin: string, rows: HyperliquidFundingRow[]): void
  /**
   * The next matching request gets this answer instead (queued when called repeatedly).
   * `target` is an info type (`candleSnapshot`) or `/info` for any request.
   */
  failNext(target: string, status: number, body?: unknown, headers?: Record<string, string>): void
  /** the next matching request (`target` as for failNext) waits `ms` before being answered */
  delayNext(target: string, ms: number): void
}

export interface RecordedInfoRequest {
  method: string
  path: string
  /** the parsed JSON body (undefined when it was not JSON) */
  body: unknown
  /** the body's `type`, when there is one */
  type?: string
}

/** Hyperliquid's REST budget: 1200 weight a minute per IP. */
export const HYPERLIQUID_WEIGHT_LIMIT_1M = 1200
/** candleSnapshot serves only the most recent 5000 candles; fundingHistory pages of 500. */
const MAX_CANDLES = 5000
const MAX_FUNDING_ROWS = 500
const LIGHT_TYPES = new Set(['l2Book', 'allMids'])

export const DEFAULT_UNIVERSE: HyperliquidAsset[] = [
  { name: 'BTC', szDecimals: 5, maxLeverage: 40 },
  { name: 'ETH', szDecimals: 4, maxLeverage: 25 },
  { name: 'SOL', szDecimals: 2, maxLeverage: 20 },
  { name: 'kPEPE', szDecimals: 0, maxLeverage: 10 },
  { name: 'FTM', szDecimals: 0, maxLeverage: 3, onlyIsolated: true, isDelisted: true },
]

interface Fault {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Answer {
  status: number
  /** a string is sent as text/plain, anything else as JSON */
  body: unknown
  headers?: Record<string, string>
}

/** axum's answer to a body it cannot read into the request type. */
class Unprocessable extends Error {}

const deserializeError = (detail: string): Answer => ({
  status: 422,
  body: `Failed to deserialize the JSON body into the target type: ${detail}`,
})

function millisField(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Unprocessable(`${name}: invalid type, expected u64`)
  }
  return value
}

function stringField(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new Unprocessable(`${name}: invalid type, expected a string`)
  return value
}

/** REST half of the fake venue: `POST /info` only, weights, one-shot faults. */
export function createFakeHyperliquidRest(now: () => number, coins?: readonly string[]) {
  let universe: HyperliquidAsset[] = coins
    ? coins.map((name) => ({ name, szDecimals: 2, maxLeverage: 10 }))
    : DEFAULT_UNIVERSE.map((asset) => ({ ...asset }))
  const ctxs = new Map<string, HyperliquidAssetCtx>()
  const candles = new Map<string, HyperliquidCandleRow[]>()
  const funding = new Map<string, HyperliquidFundingRow[]>()
  const faults = new Map<string, Fault[]>()
  const delays = new Map<string, number[]>()
  const requests: RecordedInfoRequest[] = []
  let windowStart = 0
  let used = 0

  const list = (coin: string) => {
    if (!universe.some((asset) => asset.name === coin)) {
      universe.push({ name: coin, szDecimals: 2, maxLeverage: 10 })
    }
  }
  const ctxOf = (coin: string) =>
    ctxs.get(coin) ??
    hyperliquidEvents.assetCtx({
      funding: '0.0',
      openInterest: '0.0',
      markPx: '0.0',
      midPx: null,
      premium: null,
    })
  const meta = () => ({ universe: universe.map((asset) => ({ ...asset })) })

  function answerInfo(request: Record<string, unknown>): Answer {
    switch (request.type) {
      case 'meta':
        return { status: 200, body: meta() }
      case 'metaAndAssetCtxs':
        return { status: 200, body: [meta(), universe.map((asset) => ctxOf(asset.name))] }
      case 'allMids':
        return {
          status: 200,
          body: Object.fromEntries(
            universe.flatMap((asset) => {
              const ctx = ctxs.get(asset.name)
              return ctx ? [[asset.name, ctx.midPx ?? ctx.markPx]] : []
            })
          ),
        }
      case 'candleSnapshot': {
        const req = request.req
        if (typeof req !== 'object' || req === null) throw new Unprocessable('missing field `req`')
        const fields = req as Record<string, unknown>
        const coin = stringField(fields.coin, 'req.coin')
        const interval = stringField(fields.interval, 'req.interval')
        if (!isHyperliquidInterval(interval)) {
          throw new Unprocessable(`req.interval: unknown variant \`${interval}\``)
        }
        const start = millisField(fields.startTime, 'req.startTime')
        const end =
          fields.endTime === undefined ? now() : millisField(fields.endTime, 'req.endTime')
        const rows = (candles.get(`${coin} ${interval}`) ?? []).slice(-MAX_CANDLES)
        return { status: 200, body: rows.filter((row) => row.t >= start && row.t <= end) }
      }
      case 'fundingHistory': {
        const coin = stringField(request.coin, 'coin')
        const start = millisField(request.startTime, 'startTime')
        const end =
          request.endTime === undefined || request.endTime === null
            ? now()
            : millisField(request.endTime, 'endTime')
        const rows = (funding.get(coin) ?? []).filter((row) => row.time >= start && row.time <= end)
        return {
          status: 200,
          body: rows.slice(0, MAX_FUNDING_ROWS).map((row) => ({ coin, ...row })),
        }
      }
      default:
        throw new Unprocessable(`unknown variant \`${String(request.type)}\``)
    }
  }

  /** Charges the request's weight; a 429 once the minute's 1200 are spent. */
  function charge(type: string | undefined): Answer | undefined {
    const time = now()
    const minute = Math.floor(time / 60_000) * 60_000
    if (minute !== windowStart) {
      windowStart = minute
      used = 0
    }
    used += type !== undefined && LIGHT_TYPES.has(type) ? 2 : 20
    if (used <= HYPERLIQUID_WEIGHT_LIMIT_1M) return undefined
    return { status: 429, body: 'Too many requests' }
  }

  function takeOne<T>(map: Map<string, T[]>, type: string | undefined): T | undefined {
    return (type !== undefined ? map.get(type)?.shift() : undefined) ?? map.get('/info')?.shift()
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }

  /** The answer without faults: path, method, content type, JSON, budget, then the info type. */
  function route(req: IncomingMessage, path: string, body: unknown, type?: string): Answer {
    if (path !== '/info') return { status: 404, body: '' }
    if (req.method !== 'POST') return { status: 405, body: '' }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return { status: 415, body: 'Expected request with `Content-Type: application/json`' }
    }
    if (body === undefined) return { status: 400, body: 'Failed to parse the request body as JSON' }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return deserializeError('invalid type, expected an internally tagged enum')
    }
    const refusal = charge(type)
    if (refusal) return refusal
    try {
      return answerInfo(body as Record<string, unknown>)
    } catch (error) {
      if (!(error instanceof Unprocessable)) throw error
      return deserializeError(error.message)
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const typeField = (body as { type?: unknown } | null | undefined)?.type
    const type = typeof typeField === 'string' ? typeField : undefined
    const path = new URL(req.url ?? '/', 'http://fake').pathname
    requests.push({ method: req.method ?? 'GET', path, body, ...(type !== undefined && { type }) })

    const delay = path === '/info' ? takeOne(delays, type) : undefined
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay))
    const fault = path === '/info' ? takeOne(faults, type) : undefined
    const answer: Answer = fault
      ? {
          status: fault.status,
          body: fault.body ?? 'Internal Server Error',
          headers: fault.headers,
        }
      : route(req, path, body, type)
    const json = typeof answer.body !== 'string'
    res.writeHead(answer.status, {
      'Content-Type': json ? 'application/json' : 'text/plain; charset=utf-8',
      ...answer.headers,
    })
    res.end(json ? JSON.stringify(answer.body) : answer.body)
  }

  const rest: FakeHyperliquidRest = {
    setUniverse(assets) {
      universe = assets.map((asset) => ({ ...asset }))
    },
    list(coin) {
      list(coin)
      const asset = universe.find((item) => item.name === coin)
      if (asset) delete asset.isDelisted
    },
    delist(coin) {
      const asset = universe.find((item) => item.name === coin)
      if (asset) asset.isDelisted = true
    },
    setAssetCtx(coin, ctx) {
      list(coin)
      ctxs.set(coin, { ...ctx })
    },
    setCandles(coin, interval, rows) {
      list(coin)
      candles.set(
        `${coin} ${interval}`,
        [...rows].sort((a, b) => a.t - b.t)
      )
    },
    upsertCandle(coin, interval, row, maxRows = Infinity) {
      list(coin)
      const key = `${coin} ${interval}`
      candles.set(
        key,
        upsertCandleRow(candles.get(key) ?? [], row, (r) => r.t, maxRows)
      )
    },
    setFundingHistory(coin, rows) {
      list(coin)
      funding.set(
        coin,
        [...rows].sort((a, b) => a.time - b.time)
      )
    },
    failNext(target, status, body, headers) {
      faults.set(target, [...(faults.get(target) ?? []), { status, body, headers }])
    },
    delayNext(target, ms) {
      delays.set(target, [...(delays.get(target) ?? []), ms])
    },
  }

  return { rest, requests, handle }
}
