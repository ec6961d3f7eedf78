import { z } from 'zod'
import { OPEN_PATHS } from './access/access.ts'
// Importing the route table imports the schemas, which registers every record and body
// (`.meta({ id })`) in z.globalRegistry.
import { exchangeParam, routes, type Answer, type RouteSpec } from './route-specs.ts'

type Json = Record<string, unknown>

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` })

/**
 * JSON Schema of a zod schema as OpenAPI 3.1 embeds it (no `$schema` of its own). Parameters
 * show their output side: `limit` is an integer, whatever text it arrives as.
 */
function jsonSchema(schema: z.ZodType, exchanges: readonly string[]): Json {
  const out = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'output',
    // the served exchanges are known at start-up, not when the route table is written
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === exchangeParam) jsonSchema.enum = [...exchanges]
    },
  }) as Json
  delete out.$schema
  return out
}

/** A body: a registered schema by reference, arrays of them as arrays of references. */
function bodySchema(schema: z.ZodType): Json {
  const id = z.globalRegistry.get(schema)?.id
  if (id !== undefined) return ref(id)
  if (schema instanceof z.ZodArray) {
    return { type: 'array', items: bodySchema(schema.element as z.ZodType) }
  }
  return jsonSchema(schema, [])
}

/** Every schema registered with `.meta({ id })` (records and API bodies) as components. */
function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> }
  for (const schema of Object.values(schemas)) {
    delete schema.$schema
    delete schema.$id
  }
  return schemas
}

/** OpenAPI parameters of one object schema; description and example move to the parameter. */
function parameters(where: 'path' | 'query', shape: z.ZodObject | undefined, exchanges: string[]) {
  return Object.entries(shape?.shape ?? {}).map(([name, field]) => {
    const { description, example, ...schema } = jsonSchema(field as z.ZodType, exchanges)
    return {
      name,
      in: where,
      // OpenAPI requires path parameters; no query parameter is required
      required: where === 'path',
      description,
      ...(example === undefined ? {} : { example }),
      schema,
    }
  })
}

function answer({ description, body, contentType = 'application/json' }: Answer): Json {
  return { description, content: { [contentType]: { schema: bodySchema(body) } } }
}

const errorBody = { 'application/json': { schema: ref('Error') } }

/** Answers of the access rules (spec §6) every route but the probes may give. */
const ACCESS_ANSWERS: Record<string, Json> = {
  401: {
    description: 'API keys are required and none was sent, or the key is unknown or revoked',
    content: errorBody,
  },
  429: {
    description:
      'The client is over its request limit (a request that has to ask the exchange counts 10)',
    headers: {
      'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer' } },
    },
    content: errorBody,
  },
}

function operation(spec: RouteSpec, exchanges: string[]): Json {
  const params = [
    ...parameters('path', spec.pathParams, exchanges),
    ...parameters('query', spec.query, exchanges),
  ]
  const open = OPEN_PATHS.has(spec.path)
  const responses = {
    ...Object.fromEntries(Object.entries(spec.responses).map(([status, a]) => [status, answer(a)])),
    ...(open ? {} : ACCESS_ANSWERS),
  }
  return {
    summary: spec.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    responses,
    // the key is optional or required depending on the deployment's API_KEYS
    security: open ? [] : [{}, { apiKey: [] }],
  }
}

/** The OpenAPI 3.1 document of the gateway's routes, generated from the route table. */
export function buildOpenApi(options: { version: string; exchanges: readonly string[] }): Json {
  const exchanges = [...options.exchanges]
  const paths: Record<string, Json> = {}
  for (const spec of Object.values(routes) as RouteSpec[]) {
    paths[spec.path] = { [spec.method]: operation(spec, exchanges) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'takashi',
      version: options.version,
      description:
        'Normalized market data for crypto derivatives: REST from the cache, live WebSocket streams.',
    },
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    },
  }
}
