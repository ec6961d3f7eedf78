import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { z } from 'zod'
import { FundingRate, LargeTrade, Liquidation, Ohlc, OISpike, OpenInterest } from '@takashi/schemas'

// docs/asyncapi.yaml is written by hand; the records it describes are the zod schemas the
// services validate with. This keeps the two from drifting: same fields, same required ones,
// same JSON types, same enum values where the document names them.

type Schema = Record<string, unknown>

const doc = parse(
  readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8')
) as Schema

/** Follows `$ref`s within `root` (the AsyncAPI document, or a zod JSON Schema's `$defs`). */
function resolver(root: Schema) {
  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref
    if (typeof ref !== 'string') return schema
    let target: unknown = root
    for (const part of ref.replace(/^#\//, '').split('/')) {
      target = (target as Record<string, unknown> | undefined)?.[part]
    }
    if (target === undefined) throw new Error(`unresolved ${ref}`)
    return resolve(target as Schema)
  }
  return resolve
}

/** An object schema with its `allOf` parts merged: properties and required names. */
function flatten(
  schema: Schema,
  resolve: (schema: Schema) => Schema
): { properties: Record<string, Schema>; required: string[] } {
  const resolved = resolve(schema)
  const parts =
    (resolved.allOf as Schema[] | undefined)?.map((part) => flatten(part, resolve)) ?? []
  return {
    properties: Object.assign(
      {},
      ...parts.map((part) => part.properties),
      resolved.properties as Record<string, Schema> | undefined
    ) as Record<string, Schema>,
    required: [
      ...parts.flatMap((part) => part.required),
      ...((resolved.required as string[]) ?? []),
    ],
  }
}

/** The JSON types a property schema admits, and its enum values when it names them. */
function shape(
  schema: Schema,
  resolve: (schema: Schema) => Schema
): { types: string[]; values?: unknown[] } {
  const resolved = resolve(schema)
  const union = (resolved.anyOf ?? resolved.oneOf) as Schema[] | undefined
  if (union) {
    const shapes = union.map((part) => shape(part, resolve))
    const values = shapes.every((s) => s.values) ? shapes.flatMap((s) => s.values) : undefined
    return {
      types: [...new Set(shapes.flatMap((s) => s.types))].sort(),
      ...(values && { values }),
    }
  }
  const values =
    (resolved.enum as unknown[] | undefined) ?? ('const' in resolved ? [resolved.const] : undefined)
  const declared = resolved.type as string | string[] | undefined
  const types =
    declared !== undefined
      ? [declared].flat()
      : [...new Set((values ?? []).map((v) => (v === null ? 'null' : typeof v)))]
  return { types: types.sort(), ...(values && { values: [...values].sort() }) }
}

const RECORDS = {
  OHLC: Ohlc,
  OpenInterest,
  FundingRate,
  Liquidation,
  LargeTrade,
  OISpike,
} satisfies Record<string, z.ZodType>

describe('AsyncAPI records match the zod schemas', () => {
  test.each(Object.entries(RECORDS))('%s', (name, zodSchema) => {
    const inDoc = resolver(doc)
    const documented = flatten({ $ref: `#/components/schemas/${name}` }, inDoc)
    const jsonSchema = z.toJSONSchema(zodSchema, { io: 'output' }) as Schema
    const inZod = resolver(jsonSchema)
    const actual = flatten(jsonSchema, inZod)

    expect(Object.keys(documented.properties).sort()).toEqual(Object.keys(actual.properties).sort())
    expect([...documented.required].sort()).toEqual([...actual.required].sort())
    for (const [field, schema] of Object.entries(actual.properties)) {
      const want = shape(schema, inZod)
      const got = shape(documented.properties[field]!, inDoc)
      expect(got.types, `${name}.${field}`).toEqual(want.types)
      // a documented enum must be the record's; an open string in the document is allowed
      if (got.values) expect(got.values, `${name}.${field}`).toEqual(want.values)
    }
  })

  test('the multiplexed data message carries exactly these records', () => {
    const messages = (
      parse(readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8')) as {
        components: { messages: Record<string, { payload: Schema }> }
      }
    ).components.messages
    const data = messages.data?.payload.properties as Record<string, Schema>
    const refs = (data.data?.oneOf as Schema[]).map((s) => String(s.$ref).split('/').pop())
    expect(refs.sort()).toEqual(Object.keys(RECORDS).sort())
  })
})
