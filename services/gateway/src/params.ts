import { badParam } from './errors.ts'

/** One query value as text: absent → undefined; repeated (?a=1&a=2) → a 400 naming it. */
export function queryText(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw badParam(name, 'must be given once')
  return value
}

/** An integer from `min` to `max` (inclusive), or `fallback` when absent. */
export function intParam(
  query: Record<string, unknown>,
  name: string,
  range: { min: number; max: number },
  fallback: number
): number {
  const text = queryText(query, name)
  if (text === undefined) return fallback
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw badParam(name, `must be an integer from ${range.min} to ${range.max}`)
  }
  return value
}

/** A time in integer milliseconds since the Unix epoch, or undefined when absent. */
export function timeParam(query: Record<string, unknown>, name: string): number | undefined {
  const text = queryText(query, name)
  if (text === undefined) return undefined
  const value = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(value)) {
    throw badParam(name, 'must be a time in integer milliseconds since the Unix epoch')
  }
  return value
}

/** A non-negative number (e.g. `min_value_usd`), or undefined when absent. */
export function nonNegativeParam(query: Record<string, unknown>, name: string): number | undefined {
  const text = queryText(query, name)
  if (text === undefined) return undefined
  const value = /^\s*$/.test(text) ? NaN : Number(text)
  if (!Number.isFinite(value) || value < 0) throw badParam(name, 'must be a number ≥ 0')
  return value
}
