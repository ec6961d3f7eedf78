import { z } from 'zod'
import { OPEN_PATHS } from './access/access.ts'
// Importing the route table imports the schemas, which registers every record and body
// (`.meta({ id })`) in z.globalRegistry.
import { errors, exchangeParam, routes, TAGS, type Answer, type RouteSpec } from './route-specs.ts'

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

function answer(a: Answer): Json {
  const media: Json = { schema: bodySchema(a.body) }
  if (a.examples) {
    media.examples = Object.fromEntries(
      Object.entries(a.examples).map(([name, value]) => [name, { value }])
    )
  }
  const headers = Object.fromEntries(
    Object.entries(a.headers ?? {}).map(([name, description]) => [
      name,
      { description, schema: { type: 'integer', minimum: 0 } },
    ])
  )
  return {
    description: a.description,
    ...(a.headers ? { headers } : {}),
    content: { [a.contentType ?? 'application/json']: media },
  }
}

/**
 * Answers of the access rules (spec §6) every route but the open ones may give: a key that is
 * required or unknown, a spent allowance, and a backbone that cannot check either.
 */
const ACCESS_ANSWERS = errors(401, 429, 503)

function operation(operationId: string, spec: RouteSpec, exchanges: string[]): Json {
  const params = [
    ...parameters('path', spec.pathParams, exchanges),
    ...parameters('query', spec.query, exchanges),
  ]
  const open = OPEN_PATHS.has(spec.path)
  const answers = { ...(open ? {} : ACCESS_ANSWERS), ...spec.responses }
  const responses = Object.fromEntries(
    Object.entries(answers)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, a]) => [status, answer(a)])
  )
  return {
    operationId,
    tags: [...spec.tags],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
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
  for (const [operationId, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    paths[spec.path] = { [spec.method]: operation(operationId, spec, exchanges) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'takashi',
      version: options.version,
      description: API_DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // relative: the document describes the gateway (or load balancer) that serves it
    servers: [{ url: '/', description: 'this gateway' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description:
            'Needed when the deployment runs with API_KEYS=required; optional gives a key its own limits',
        },
      },
    },
  }
}

const API_DESCRIPTION = `Normalized market data for crypto derivatives (Binance USD-M, Bybit, OKX, \
Hyperliquid): REST answers from the cache the ingestors keep, and live WebSocket streams.

- Records use snake_case keys; times are integer milliseconds since the Unix epoch (UTC); sizes are \
in base units and \`*_usd\` values are price × base quantity.
- Errors are \`{"error": {"code", "message"}}\` with a stable \`code\` (\`bad_request\`, \
\`unknown_symbol\`, \`rate_limited\`, …). 429 and 503 \`busy\` carry \`Retry-After\` in seconds.
- With a REST limit on, answers carry the IETF draft's fields: \`RateLimit-Policy: "default";q=600;w=60\` \
(the quota per window of seconds) and \`RateLimit: "default";r=599;t=42\` (requests left, seconds \
until the window resets).
- The WebSocket API (path streams, the multiplexed \`/ws\` protocol and \`since_id\` resume) is \
described by the AsyncAPI document \`docs/asyncapi.yaml\` in the repository; \`@takashi/client\` \
speaks both.`
