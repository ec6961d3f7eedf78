import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { expect } from 'vitest'
import { redisTest as test } from '@takashi/testing'
import {
  createClient,
  REST_PATHS,
  type MarketParams,
  type MultiOhlcParams,
  type MultiParams,
  type OhlcParams,
  type OiSpikeParams,
  type ValueFeedParams,
} from '../src/node.ts'
import { startRestartableGateway } from './stack.ts'

// The document a generator reads is the one a running gateway serves: it is valid OpenAPI 3.1
// (the OAI's JSON Schema of the format), its schemas compile as JSON Schema 2020-12 and every
// example validates against its schema, and its operationIds are this client's method names.

type Operation = {
  operationId: string
  parameters?: { name: string }[]
  responses: Record<string, { content?: Record<string, Media> }>
}
type Media = { schema: object; examples?: Record<string, { value: unknown }> }
type Document = {
  paths: Record<string, { get: Operation }>
  components: { schemas: Record<string, object> }
}

test('the served document is valid OpenAPI 3.1 and its examples match its schemas', async ({
  redisUrl,
  keys,
}) => {
  const gateway = await startRestartableGateway({ redisUrl, keys })
  const served = await createClient({ baseUrl: gateway.url }).openApi()

  const validator = new Validator()
  const result = await validator.validate(structuredClone(served))
  expect(result.errors).toBeUndefined()
  expect(result.valid).toBe(true)
  expect(validator.version).toBe('3.1')
  // every $ref points at something
  expect(() => validator.resolveRefs()).not.toThrow()

  const doc = served as unknown as Document
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  ajv.addSchema({ $id: 'doc', components: doc.components })
  let examples = 0
  for (const { get } of Object.values(doc.paths)) {
    for (const [status, answer] of Object.entries(get.responses)) {
      for (const media of Object.values(answer.content ?? {})) {
        const schema = JSON.parse(
          JSON.stringify(media.schema).replaceAll('"#/components/', '"doc#/components/')
        ) as object
        const check = ajv.compile(schema)
        for (const [name, { value }] of Object.entries(media.examples ?? {})) {
          expect(check(value), `${get.operationId} ${status} ${name}`).toBe(true)
          examples++
        }
      }
    }
  }
  expect(examples).toBeGreaterThan(40)
})

test('operationIds are the client method names, for the same paths', async ({ redisUrl, keys }) => {
  const gateway = await startRestartableGateway({ redisUrl, keys })
  const doc = (await createClient({ baseUrl: gateway.url }).openApi()) as unknown as Document
  const documented = Object.fromEntries(
    Object.entries(doc.paths)
      .map(([path, { get }]) => [get.operationId, path] as const)
      // the HTML page is for people, not for a client
      .filter(([operationId]) => operationId !== 'docs')
  )
  expect(REST_PATHS).toEqual(documented)
})

/** Every key of `T`, checked at compile time: a name missing from the list does not compile. */
const allKeys =
  <T>() =>
  <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : never)
  ) =>
    [...keys].sort()

// the parameter names of each method's argument, as the client's types declare them
const CLIENT_PARAMS: Record<string, string[]> = {
  ohlc: allKeys<OhlcParams>()([
    'exchange',
    'symbol',
    'interval',
    'limit',
    'start_time',
    'end_time',
  ]),
  openInterest: allKeys<MarketParams>()(['exchange', 'symbol']),
  fundingRate: allKeys<MarketParams>()(['exchange', 'symbol']),
  multiOhlc: allKeys<MultiOhlcParams>()(['symbol', 'interval', 'exchanges', 'limit']),
  multiOpenInterest: allKeys<MultiParams>()(['symbol', 'exchanges']),
  multiFundingRate: allKeys<MultiParams>()(['symbol', 'exchanges']),
  liquidations: allKeys<ValueFeedParams>()(['exchange', 'symbol', 'min_value_usd', 'limit']),
  largeTrades: allKeys<ValueFeedParams>()(['exchange', 'symbol', 'min_value_usd', 'limit']),
  oiSpikes: allKeys<OiSpikeParams>()(['exchange', 'symbol', 'timeframe', 'limit']),
}

test('each method takes exactly the parameters the document lists for its operation', async ({
  redisUrl,
  keys,
}) => {
  const gateway = await startRestartableGateway({ redisUrl, keys })
  const doc = (await createClient({ baseUrl: gateway.url }).openApi()) as unknown as Document
  for (const { get } of Object.values(doc.paths)) {
    const documented = (get.parameters ?? []).map((p) => p.name).sort()
    expect(CLIENT_PARAMS[get.operationId] ?? [], get.operationId).toEqual(documented)
  }
})
