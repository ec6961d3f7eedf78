import { Agent, request } from 'node:http'
import { parse as parseQueryString } from 'node:querystring'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { cacheCandles, publishRecords, type Keys, type Redis } from '@takashi/bus'
import { INTERVAL_MS } from '@takashi/schemas'
import { redisTest } from '@takashi/testing'
import { routes, type RouteSpec } from '../src/route-specs.ts'
import { T0, paramValues, segment, target } from './fuzz-arbitraries.ts'
import { append, largeTrade, liquidation, oiSpike } from './feed-helpers.ts'
import {
  binanceView,
  candle,
  fundingRate,
  noLiquidationsView,
  openInterest,
  perTest,
  readAnswer,
} from './helpers.ts'

// Generated requests against every route of the route table, on a real gateway and Redis.
// Cached data answers most valid requests; a miss waits for an ingestor that is not there and
// ends as 504 after fetchTimeoutMs, which is counted apart, not failed.

const BATCHES = 60
const BATCH_SIZE = 100 // 60 × 100 = 6,000 requests
const CONCURRENCY = 20
const SYMBOLS = ['BTCUSDT', 'ETHUSDT']
const VIEWS = [binanceView, noLiquidationsView]
const PATH_PARAMS = ['exchange', 'symbol', 'interval']

const { cleanups, gateway: startReplica } = perTest()

/** 1,000 contiguous candles of every served series, OI, funding and a few feed events. */
async function seed(redis: Redis, keys: Keys): Promise<void> {
  const writes: Promise<unknown>[] = []
  for (const view of VIEWS) {
    for (const symbol of SYMBOLS) {
      for (const interval of view.intervals) {
        const candles = Array.from({ length: 1_000 }, (_, i) =>
          candle(T0 + i * INTERVAL_MS[interval], { exchange: view.id, symbol, interval })
        )
        writes.push(cacheCandles(redis, keys, candles, { from: T0, ttlMs: 10 * 60_000 }))
      }
      const at = { exchange: view.id, symbol }
      writes.push(
        publishRecords(redis, keys, [
          { kind: 'open_interest', record: openInterest(at) },
          { kind: 'funding_rate', record: fundingRate(at) },
        ])
      )
    }
  }
  await Promise.all(writes)
  for (const symbol of SYMBOLS) {
    await append(redis, keys, 'liquidations', liquidation({ symbol, value_usd: 20_000 }))
    await append(redis, keys, 'large-trades', largeTrade({ symbol }))
    await append(redis, keys, 'large-trades', largeTrade({ exchange: 'hyperliquid', symbol }))
    await append(redis, keys, 'oi-spikes', oiSpike({ symbol }))
  }
}

interface RestCase {
  route: keyof typeof routes
  target: string
}

const routeNames = Object.keys(routes) as (keyof typeof routes)[]

const specOf = (name: keyof typeof routes): RouteSpec => routes[name]

const queryNames = (spec: RouteSpec) => Object.keys(spec.query?.shape ?? {})

const hasParams = (spec: RouteSpec) => spec.pathParams !== undefined || spec.query !== undefined

/** A request to one route: its path with generated segments, and a generated query. */
const restCase: fc.Arbitrary<RestCase> = fc
  .oneof(
    // routes with parameters get most of the cases
    { weight: 3, arbitrary: fc.constantFrom(...routeNames.filter((r) => hasParams(specOf(r)))) },
    { weight: 1, arbitrary: fc.constantFrom(...routeNames.filter((r) => !hasParams(specOf(r)))) }
  )
  .chain((route) => {
    const spec = specOf(route)
    const parts = spec.path.split('/').map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1]
      return name === undefined ? fc.constant(part) : segment(name)
    })
    const path = fc.tuple(...parts).map((segments) => segments.join('/') || '/')
    return target(path, queryNames(spec)).map((t) => ({ route, target: t }))
  })

interface Answer {
  status: number
  type: string
  body: string
}

function get(agent: Agent, port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      readAnswer(res).then(resolve, reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Runs `task` over `items`, at most `limit` at once; results in order. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  return results
}

const ERROR_CODES: Record<number, string[]> = {
  400: ['bad_request'],
  404: ['not_found', 'unknown_exchange', 'unknown_symbol'],
  504: ['upstream_timeout'],
}

/** What is wrong with an answer, or null. */
function problemOf(c: RestCase, answer: Answer): string | null {
  const { status, body } = answer
  if (!(status in ERROR_CODES) && status !== 200) return `status ${status}`
  const spec = specOf(c.route)
  // /metrics (text) and /docs (HTML) answer 200 with what their spec names, not JSON
  const textAnswer = status === 200 && spec.responses[200]?.contentType !== undefined
  if (textAnswer) return null
  if (!answer.type.startsWith('application/json')) return `content-type ${answer.type}`
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return 'body is not JSON'
  }
  if (status === 200) {
    // '/MULTI/ohlc/…' is a multi route whatever the generator meant
    const first = c.target.split('/')[1]?.toLowerCase()
    if (first === 'multi' && !spec.path.startsWith('/multi')) return null
    const checked = spec.responses[200]?.body.safeParse(json)
    return checked?.success === false ? `200 body: ${checked.error.message}` : null
  }
  const error = (json as { error?: { code?: unknown; message?: unknown } }).error
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    return 'no error.code and error.message'
  }
  const { code, message } = error
  if (!ERROR_CODES[status]!.includes(code)) return `code ${code} with ${status}`
  if (status === 400) {
    const query = c.target.includes('?') ? c.target.slice(c.target.indexOf('?') + 1) : ''
    const sent = [...Object.keys(parseQueryString(query)), ...PATH_PARAMS]
    if (!sent.some((name) => message.startsWith(`${name}: `))) {
      return `400 message names no parameter sent: ${message}`
    }
  }
  return null
}

describe('REST fuzz (spec §4)', () => {
  redisTest(
    `${BATCHES * BATCH_SIZE} generated requests over every route: 200/400/404/504 with JSON errors naming the parameter`,
    { timeout: 90_000 },
    async ({ redis, keys, redisUrl }) => {
      await seed(redis, keys)
      const gateway = await startReplica(
        { redisUrl, keys },
        { exchanges: VIEWS, rateLimitPerMinute: 0, fetchTimeoutMs: 100 }
      )
      const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
      cleanups.push(() => agent.destroy())
      const port = Number(new URL(gateway.url).port)

      const statuses: Record<number, number> = {}
      const perRoute: Record<string, number> = {}
      let sent = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(restCase, { minLength: BATCH_SIZE, maxLength: BATCH_SIZE }),
          async (batch) => {
            const answers = await pool(batch, CONCURRENCY, (c) => get(agent, port, c.target))
            sent += batch.length
            const problems = batch.flatMap((c, i) => {
              const answer = answers[i]!
              statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
              perRoute[c.route] = (perRoute[c.route] ?? 0) + 1
              const problem = problemOf(c, answer)
              return problem === null ? [] : [{ target: c.target, status: answer.status, problem }]
            })
            expect(problems).toEqual([])
          }
        ),
        { numRuns: BATCHES }
      )

      expect(sent).toBe(BATCHES * BATCH_SIZE)
      expect(Object.keys(perRoute).sort()).toEqual([...routeNames].sort())
      // the generators reach every outcome, and cache misses (504) stay rare
      expect(statuses[200]).toBeGreaterThan(sent * 0.2)
      expect(statuses[400]).toBeGreaterThan(sent * 0.05)
      expect(statuses[404]).toBeGreaterThan(sent * 0.05)
      expect(statuses[504] ?? 0).toBeLessThan(sent * 0.05)
      // still serving
      expect((await get(agent, port, '/binance/ohlc/BTCUSDT/1m?limit=2')).status).toBe(200)
    }
  )

  redisTest(
    'found by the fuzz: an undecodable path parameter is a 400 naming it',
    async ({ keys, redisUrl }) => {
      const gateway = await startReplica({ redisUrl, keys }, { fetchTimeoutMs: 100 })
      const res = await fetch(`${gateway.url}/multi/ohlc/BTCUSDT/%E0%A4%A`)
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 400,
        body: {
          error: {
            code: 'bad_request',
            message: "interval: '%E0%A4%A' is not valid percent-encoding",
          },
        },
      })
    }
  )

  test('every documented query parameter has a generator', () => {
    const documented = new Set(routeNames.flatMap((name) => queryNames(specOf(name))))
    expect([...documented].filter((name) => !(name in paramValues))).toEqual([])
  })
})
