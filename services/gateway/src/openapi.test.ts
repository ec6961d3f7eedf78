import { expect, test } from 'vitest'
import { buildOpenApi } from './openapi.ts'
import { routes, type RouteSpec } from './route-specs.ts'

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
  expect(full.components.securitySchemes.apiKey).toEqual({
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
