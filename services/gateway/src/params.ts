import { z } from 'zod'
import { badParam } from './errors.ts'

// Schemas of query parameters: query text in, typed value out, with the API's 400 messages.
// `/openapi.json` shows their output side (an integer, not the text it is written as).

/** Query text given once: express parses a repeated name (?a=1&a=2) into an array. */
export const onceText = z.string({ error: 'must be given once' })

/** An integer from `min` to `max` (inclusive). */
export function intText(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`
  return onceText
    .regex(/^-?\d+$/, message)
    .transform(Number)
    .pipe(z.int(message).min(min, message).max(max, message))
}

/** A time in integer milliseconds since the Unix epoch. */
export function timeText() {
  const message = 'must be a time in integer milliseconds since the Unix epoch'
  return onceText.regex(/^\d+$/, message).transform(Number).pipe(z.int(message).min(0, message))
}

/** A number ≥ 0 in any form `Number()` reads (`1e6`, ` 5 `); blank is not a number. */
export function nonNegativeText() {
  const message = 'must be a number ≥ 0'
  return onceText
    .transform((text) => (/^\s*$/.test(text) ? NaN : Number(text)))
    .pipe(z.number(message).min(0, message))
}

/** One of `values`, named in the message. */
export function enumText<const T extends readonly [string, ...string[]]>(values: T) {
  const error = (issue: { input?: unknown }) =>
    `'${String(issue.input)}' is not one of ${values.join(', ')}`
  return onceText.pipe(z.enum(values, { error }))
}

/** A comma list (`binance,okx`): items trimmed, repeats dropped, an empty item refused. */
export function listText() {
  return onceText
    .transform((text) => text.split(',').map((item) => item.trim()))
    .refine((items) => !items.includes(''), 'has an empty item')
    .transform((items) => [...new Set(items)])
}

/**
 * A query checked against a route's schema: an empty value (`?limit=`) counts as absent, and the
 * first bad parameter in the schema's order is a 400 naming it, as the API has always answered.
 */
export function parseQuery<S extends z.ZodObject>(
  schema: S,
  query: Record<string, unknown>
): z.output<S> {
  const given = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''))
  const result = schema.safeParse(given)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  throw badParam(String(issue?.path[0] ?? 'query'), issue?.message ?? 'is invalid')
}

/** One query value through `schema`: absent or empty → undefined; bad → a 400 naming it. */
export function queryParam<T>(
  query: Record<string, unknown>,
  name: string,
  schema: z.ZodType<T>
): T | undefined {
  const value = query[name]
  if (value === undefined || value === '') return undefined
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw badParam(name, result.error.issues[0]?.message ?? 'is invalid')
}

/** One query value as text: absent → undefined; repeated (?a=1&a=2) → a 400 naming it. */
export const queryText = (query: Record<string, unknown>, name: string): string | undefined =>
  queryParam(query, name, onceText)

/** A non-negative number (e.g. `min_value_usd`), or undefined when absent. */
export const nonNegativeParam = (
  query: Record<string, unknown>,
  name: string
): number | undefined => queryParam(query, name, nonNegativeText())
