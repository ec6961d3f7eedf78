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
