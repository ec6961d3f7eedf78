import { expect, test } from 'vitest'
import { OPEN_PATHS } from './access/access.ts'
import { buildOpenApi } from './openapi.ts'
import { routes, TAGS, type RouteSpec } from './route-specs.ts'

type Operation = { parameters?: { name: string; in: string; schema: { enum?: unknown } }[] }

const doc = buildOpenApi({ version: '1.0.0', exchanges: ['binance', 'okx'] }) as {
  paths: Record<string, { get: Operation }>
}

test('every route of the table is in the document, its path parameters exactly those in the path', () => {
  for (const spec of Object.values(routes) as RouteSpec[]) {
    const params = doc.paths[spec.path]?.get.parameters ?? []
    const inPath = [...spec.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1])
    expect(params.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(inPath)
    expect(params.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(
      Object.keys(spec.query?.shape ?? {})
    )
  }
  expect(Object.keys(doc.paths)).toEqual(Object.values(routes).map((spec) => spec.path))
})

test('the exchange parameter lists the served exchanges; query values are typed', () => {
  const ohlc = doc.paths['/{exchange}/ohlc/{symbol}/{interval}']?.get.parameters
  expect(ohlc?.find((p) => p.name === 'exchange')?.schema).toEqual({
    type: 'string',
    enum: ['binance', 'okx'],
  })
  expect(ohlc?.find((p) => p.name === 'limit')?.schema).toEqual({
    default: 100,
    type: 'integer',
    minimum: 1,
    maximum: 1000,
  })
})

test('every route but the probes documents the API key and the 401 and 429 answers', () => {
  const full = buildOpenApi({ version: '1.0.0', exchanges: ['binance'] }) as {
    paths: Record<string, { get: { responses: Record<string, unknown>; security: unknown[] } }>
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  }
  expect(full.components.securitySchemes.apiKey).toMatchObject({
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  })
  expect(full.components.schemas.Error).toBeDefined()
  const ohlc = full.paths['/{exchange}/ohlc/{symbol}/{interval}']!.get
  expect(Object.keys(ohlc.responses)).toEqual(
    expect.arrayContaining(['200', '400', '401', '404', '429', '503'])
  )
  expect(ohlc.security).toEqual([{}, { apiKey: [] }])
  const health = full.paths['/health']!.get
  expect(health.responses).not.toHaveProperty('401')
  expect(health.security).toEqual([])
})

type Documented = {
  tags: { name: string }[]
  paths: Record<
    string,
    {
      get: {
        operationId: string
        tags: string[]
        summary: string
        description?: string
        responses: Record<string, { headers?: Record<string, unknown>; content: unknown }>
      }
    }
  >
}

test('every operation has its route key as operationId and tags the document lists', () => {
  const full = buildOpenApi({ version: '1.0.0', exchanges: ['binance'] }) as Documented
  const operations = Object.values(full.paths).map((item) => item.get)
  expect(operations.map((op) => op.operationId)).toEqual(Object.keys(routes))
  const listed = full.tags.map((tag) => tag.name)
  expect(listed).toEqual(Object.keys(TAGS))
  for (const op of operations) {
    expect(op.tags.length, op.operationId).toBeGreaterThan(0)
    for (const tag of op.tags) expect(listed, op.operationId).toContain(tag)
    expect(op.description, op.operationId).toBeTruthy()
  }
})

test('429 and 503 carry Retry-After on every operation a limit applies to; probes are documented', () => {
  const full = buildOpenApi({ version: '1.0.0', exchanges: ['binance'] }) as Documented
  for (const [path, { get }] of Object.entries(full.paths)) {
    if (OPEN_PATHS.has(path)) {
      expect(get.responses, path).not.toHaveProperty('429')
      continue
    }
    for (const status of ['401', '429', '503']) expect(get.responses, path).toHaveProperty(status)
    expect(get.responses['429']?.headers, path).toHaveProperty('Retry-After')
    expect(get.responses['503']?.headers, path).toHaveProperty('Retry-After')
  }
  expect(full.paths['/livez']?.get.operationId).toBe('livez')
  expect(Object.keys(full.paths['/readyz']?.get.responses ?? {})).toEqual(['200', '503'])
  expect(Object.keys(full.paths['/health']?.get.responses ?? {})).toEqual(['200', '503'])
})

test('every example of an answer is valid for the schema that answer is checked with', () => {
  let checked = 0
  for (const [key, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    for (const [status, answer] of Object.entries(spec.responses)) {
      for (const [name, example] of Object.entries(answer.examples ?? {})) {
        const parsed = answer.body.safeParse(example)
        expect(parsed.error, `${key} ${status} ${name}`).toBeUndefined()
        checked++
      }
    }
  }
  // every route but the two documents has a success example, most have error examples
  expect(checked).toBeGreaterThan(40)
})
