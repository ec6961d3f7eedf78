import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { publishRecords } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import { createCatalog } from '../src/catalog.ts'
import { ApiError } from '../src/errors.ts'
import { MUX_LIMITS, parseMuxRequest } from '../src/ws/mux.ts'
import { createStreamResolver, streamOf } from '../src/ws/streams.ts'
import { weirdText, wsTarget } from './fuzz-arbitraries.ts'
import { append, liquidation } from './feed-helpers.ts'
import {
  binanceView,
  noLiquidationsView,
  openInterest,
  perTest,
  readAnswer,
  type RunningGateway,
} from './helpers.ts'

// Generated WebSocket requests: the mux request parser and the stream resolver on their own,
// then a real /ws connection and real upgrades against a gateway on the test Redis.

const PARSE_RUNS = 3_000
const RESOLVE_RUNS = 3_000
const MUX_BATCHES = 20
const MUX_BATCH_SIZE = 25 // 20 × 25 = 500 requests on one connection
const UPGRADE_RUNS = 30
const UPGRADE_BATCH_SIZE = 10 // 30 × 10 = 300 upgrades

const VIEWS = [binanceView, noLiquidationsView]
const MUX_NAMES = ['request', 'id', 'op', 'path']
/** A limit, not a bad value: the one 400 of the protocol that names no parameter. */
const SUBSCRIPTION_LIMIT = `at most ${MUX_LIMITS.subscriptions} subscriptions per connection`

const { gateway: startReplica, client: wsClient } = perTest()

/** Query names of a request target as the resolver reads them (URLSearchParams). */
function sentNames(target: string): string[] {
  const at = target.indexOf('?')
  return at < 0 ? [] : [...new URLSearchParams(target.slice(at + 1)).keys()]
}

/** What is wrong with an error (status, code, message) answering a stream request, or null. */
function errorProblem(error: { code: string; message: string }, names: string[]): string | null {
  const { code, message } = error
  if (code === 'bad_request') {
    if (message === SUBSCRIPTION_LIMIT) return null
    return names.some((name) => message.startsWith(`${name}: `))
      ? null
      : `400 names no parameter sent: ${message}`
  }
  if (['not_found', 'unknown_exchange', 'unknown_symbol'].includes(code)) return null
  return `code ${code}: ${message}`
}

const statusOf: Record<string, number> = {
  bad_request: 400,
  not_found: 404,
  unknown_exchange: 404,
  unknown_symbol: 404,
}

describe('WebSocket fuzz (spec §5)', () => {
  test(`parseMuxRequest: ${PARSE_RUNS} generated texts give a request or a 400 naming the field`, () => {
    const request = fc.oneof(
      fc.record({ op: fc.constant('subscribe'), id: fc.string(), path: wsTarget }),
      fc.record(
        {
          op: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe'), fc.jsonValue()),
          id: fc.oneof(fc.string({ maxLength: 70 }), fc.jsonValue()),
          path: fc.oneof(wsTarget, fc.jsonValue(), fc.constant(`/${'a'.repeat(2_100)}`)),
        },
        { requiredKeys: [] }
      )
    )
    const text = fc.oneof(
      { weight: 4, arbitrary: request.map((r) => JSON.stringify(r)) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
      { weight: 1, arbitrary: weirdText }
    )
    let runs = 0
    fc.assert(
      fc.property(text, (t) => {
        runs++
        const parsed = parseMuxRequest(t)
        if ('request' in parsed) {
          const { request: r } = parsed
          expect(r.id.length).toBeGreaterThan(0)
          expect(r.id.length).toBeLessThanOrEqual(MUX_LIMITS.idLength)
          if (r.op === 'subscribe') expect(r.path.startsWith('/')).toBe(true)
          return
        }
        expect(parsed.error).toBeInstanceOf(ApiError)
        expect(parsed.error.status).toBe(400)
        expect(MUX_NAMES.some((name) => parsed.error.message.startsWith(`${name}: `))).toBe(true)
      }),
      { numRuns: PARSE_RUNS }
    )
    expect(runs).toBe(PARSE_RUNS)
  })

  redisTest(
    `stream resolver: ${RESOLVE_RUNS} generated targets give a stream or a 400/404 naming the parameter or path`,
    ({ redis, keys }) => {
      const catalog = createCatalog({
        exchanges: VIEWS,
        symbols: ['BTCUSDT', 'ETHUSDT'],
        intervals: ['1m', '5m'],
      })
      const resolve = createStreamResolver({ catalog, keys, redis })
      const outcomes: Record<string, number> = {}
      const input = fc.oneof(
        { weight: 5, arbitrary: wsTarget },
        { weight: 1, arbitrary: weirdText.map((t) => `/${t}`) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary' }) }
      )
      fc.assert(
        fc.property(input, (target) => {
          let outcome: string
          try {
            const plan = streamOf(resolve, target)
            expect(plan.channels.length).toBeGreaterThan(0)
            outcome = 'stream'
          } catch (err) {
            if (!(err instanceof ApiError)) throw err
            expect([400, 404]).toContain(err.status)
            expect(statusOf[err.code]).toBe(err.status)
            expect(errorProblem(err, sentNames(target))).toBeNull()
            outcome = String(err.status)
          }
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
        }),
        { numRuns: RESOLVE_RUNS }
      )
      expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(RESOLVE_RUNS)
      expect(Object.keys(outcomes).sort()).toEqual(['400', '404', 'stream'])
    }
  )

  redisTest(
    `/ws: ${MUX_BATCHES * MUX_BATCH_SIZE} generated requests on one connection are each answered, and it stays open`,
    { timeout: 60_000 },
    async ({ redis, keys, redisUrl }) => {
      await publishRecords(redis, keys, [{ kind: 'open_interest', record: openInterest() }])
      await append(redis, keys, 'liquidations', liquidation())
      const gateway = await startReplica(
        { redisUrl, keys },
        {
          exchanges: VIEWS,
          rateLimitPerMinute: 0,
          fetchTimeoutMs: 100,
          wsMessagesPerSecond: 10_000,
        }
      )
      const client = await wsClient(gateway, '/ws')

      /** Answers to requests (not data or resume notices), in arrival order. */
      const answers: { type: string; id: unknown; error?: { code: string; message: string } }[] = []
      let waiting: { count: number; done: () => void } | null = null
      client.ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as (typeof answers)[number]
        if (message.type === 'data' || message.type === 'resume') return
        answers.push(message)
        if (waiting && answers.length >= waiting.count) waiting.done()
      })
      /** Resolves once `count` answers arrived, or after 5 s (the comparison then shows which). */
      const answered = (count: number) =>
        new Promise<void>((resolve) => {
          if (answers.length >= count) return resolve()
          const timer = setTimeout(resolve, 5_000)
          waiting = {
            count,
            done: () => {
              clearTimeout(timer)
              resolve()
            },
          }
        })

      // ids from a small pool, so subscribe, duplicate and unsubscribe meet
      const poolId = fc.integer({ min: 0, max: 59 }).map((i) => `s${i}`)
      const id = fc.oneof(
        { weight: 8, arbitrary: poolId },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 70 }) },
        { weight: 1, arbitrary: fc.jsonValue() }
      )
      const message: fc.Arbitrary<string | Buffer> = fc.oneof(
        {
          weight: 6,
          arbitrary: fc
            .record({ op: fc.constant('subscribe'), id, path: wsTarget })
            .map((r) => JSON.stringify(r)),
        },
        {
          weight: 3,
          arbitrary: fc
            .record({ op: fc.constant('unsubscribe'), id })
            .map((r) => JSON.stringify(r)),
        },
        {
          weight: 1,
          arbitrary: fc
            .record({ op: fc.jsonValue(), id, path: fc.jsonValue() }, { requiredKeys: [] })
            .map((r) => JSON.stringify(r)),
        },
        { weight: 1, arbitrary: fc.oneof(fc.json(), weirdText, fc.constant('x'.repeat(5_000))) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)) }
      )

      let sent = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(message, { minLength: MUX_BATCH_SIZE, maxLength: MUX_BATCH_SIZE }),
          async (batch) => {
            const from = answers.length
            const expectedIds: (string | null)[] = []
            const names = new Set(MUX_NAMES)
            for (const m of batch) {
              if (typeof m === 'string') {
                const parsed =
                  Buffer.byteLength(m) > MUX_LIMITS.requestBytes ? null : parseMuxRequest(m)
                expectedIds.push(
                  parsed === null ? null : 'error' in parsed ? parsed.id : parsed.request.id
                )
                if (parsed && 'request' in parsed && parsed.request.op === 'subscribe') {
                  for (const name of sentNames(parsed.request.path)) names.add(name)
                }
              } else expectedIds.push(null)
              client.ws.send(m, { binary: typeof m !== 'string' })
            }
            sent += batch.length
            await answered(from + batch.length)
            const got = answers.slice(from)
            // one answer per request, to the request's id (answers may come in another order)
            const order = (ids: unknown[]) => ids.map((i) => JSON.stringify(i)).sort()
            expect(order(got.map((a) => a.id)), JSON.stringify({ batch, got })).toEqual(
              order(expectedIds)
            )
            const problems = got.flatMap((a) => {
              if (a.type === 'subscribed' || a.type === 'unsubscribed') return []
              if (a.type !== 'error' || !a.error) return [`answer ${JSON.stringify(a)}`]
              if (a.error.code === 'rate_limited') return [] // since_id replays per minute
              const problem = errorProblem(a.error, [...names])
              return problem === null ? [] : [problem]
            })
            expect(problems).toEqual([])
            expect(client.ws.readyState).toBe(client.ws.OPEN)
          }
        ),
        // one connection carries its state from batch to batch: shrinking could not replay it
        { numRuns: MUX_BATCHES, endOnFailure: true }
      )
      expect(sent).toBe(MUX_BATCHES * MUX_BATCH_SIZE)

      // still serving: this connection, a new one, and REST
      const before = answers.length
      client.ws.send(
        JSON.stringify({ op: 'subscribe', id: 'final', path: '/ws/binance/BTCUSDT/trades' })
      )
      await answered(before + 1)
      expect(answers.at(-1)).toEqual({ type: 'subscribed', id: 'final' })
      await expectServing(gateway)
    }
  )

  redisTest(
    'found by the fuzz: a subscribe cancelled while starting is still acked, and `//[` is no stream',
    async ({ keys, redisUrl }) => {
      const gateway = await startReplica({ redisUrl, keys }, { fetchTimeoutMs: 100 })
      const client = await wsClient(gateway, '/ws')
      const path = '/ws/binance/BTCUSDT/open-interest'
      client.ws.send(JSON.stringify({ op: 'subscribe', id: 'a', path }))
      client.ws.send(JSON.stringify({ op: 'unsubscribe', id: 'a' }))
      client.ws.send(JSON.stringify({ op: 'subscribe', id: 'b', path: '//[' }))
      await expect
        .poll(() => client.messages.map((m) => JSON.parse(m) as unknown))
        .toEqual([
          { type: 'subscribed', id: 'a' },
          { type: 'unsubscribed', id: 'a' },
          { type: 'error', id: 'b', error: { code: 'not_found', message: 'no stream //[' } },
        ])
      const port = Number(new URL(gateway.url).port)
      expect(await upgrade(port, '//[')).toMatchObject({ status: 404 })
    }
  )

  redisTest(
    `upgrades: ${UPGRADE_RUNS * UPGRADE_BATCH_SIZE} generated targets are accepted or refused with 400/404 and a JSON error`,
    { timeout: 60_000 },
    async ({ keys, redisUrl }) => {
      const gateway = await startReplica(
        { redisUrl, keys },
        {
          exchanges: VIEWS,
          rateLimitPerMinute: 0,
          fetchTimeoutMs: 100,
          wsConnectionsPerClient: 10_000,
        }
      )
      const port = Number(new URL(gateway.url).port)
      const statuses: Record<number, number> = {}
      let sent = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(wsTarget, { minLength: UPGRADE_BATCH_SIZE, maxLength: UPGRADE_BATCH_SIZE }),
          async (targets) => {
            const answers = await Promise.all(targets.map((t) => upgrade(port, t)))
            sent += targets.length
            const problems = targets.flatMap((t, i) => {
              const answer = answers[i]!
              statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
              if (answer.status === 101) return []
              const problem = refusalProblem(answer, t)
              return problem === null ? [] : [{ target: t, status: answer.status, problem }]
            })
            expect(problems).toEqual([])
          }
        ),
        { numRuns: UPGRADE_RUNS }
      )
      expect(sent).toBe(UPGRADE_RUNS * UPGRADE_BATCH_SIZE)
      expect(statuses[101]).toBeGreaterThan(0)
      expect(statuses[400]).toBeGreaterThan(0)
      expect(statuses[404]).toBeGreaterThan(0)
      await expectServing(gateway)
    }
  )
})

interface UpgradeAnswer {
  status: number
  type?: string
  body?: string
}

/** A raw upgrade request for `target` exactly as given (no URL normalization on the way). */
function upgrade(port: number, target: string): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: target,
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode ?? 0 })
    })
    req.on('response', (res) => {
      readAnswer(res).then(resolve, reject)
    })
    req.on('error', reject)
    req.end()
  })
}

function refusalProblem(answer: UpgradeAnswer, target: string): string | null {
  const names = sentNames(target)
  // since_id replays are limited per client and minute
  const allowed = names.includes('since_id') ? [400, 404, 429] : [400, 404]
  if (!allowed.includes(answer.status)) return `status ${answer.status}`
  if (!answer.type?.startsWith('application/json')) return `content-type ${answer.type}`
  let body: { error?: { code?: unknown; message?: unknown } }
  try {
    body = JSON.parse(answer.body ?? '') as typeof body
  } catch {
    return 'body is not JSON'
  }
  const { code, message } = body.error ?? {}
  if (typeof code !== 'string' || typeof message !== 'string')
    return 'no error.code and error.message'
  if (answer.status === 429) return code === 'rate_limited' ? null : `429 code ${code}`
  if (statusOf[code] !== answer.status) return `code ${code} with ${answer.status}`
  return errorProblem({ code, message }, names)
}

async function expectServing(gateway: RunningGateway): Promise<void> {
  const health = await fetch(`${gateway.url}/health`)
  expect(health.status).toBe(200)
  const client = await wsClient(gateway, '/ws/binance/BTCUSDT/open-interest')
  expect(client.ws.readyState).toBe(client.ws.OPEN)
}
