import type { ErrorRequestHandler } from 'express'
import { ApiError, badParam } from './errors.ts'
import { routes } from './route-specs.ts'

// Express refuses a path parameter that is not valid percent-encoding (`/binance/ohlc/%/1m`)
// with its own 400, "Failed to decode param '%'", which names no parameter. The route table
// knows which parameter sits there.

const shapes = Object.values(routes).map((spec) => spec.path.split('/'))

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment)
    return true
  } catch {
    return false
  }
}

/** The path parameter of a route whose shape `path` has, at a segment that does not decode. */
export function undecodableParam(path: string): { name: string; raw: string } | undefined {
  const segments = path.split('/')
  if (segments.length > 2 && segments.at(-1) === '') segments.pop() // express allows `/x/`
  for (const shape of shapes) {
    if (shape.length !== segments.length) continue
    const literalsMatch = shape.every(
      (part, i) => part.startsWith('{') || part.toLowerCase() === segments[i]!.toLowerCase()
    )
    if (!literalsMatch) continue
    const at = shape.findIndex((part, i) => part.startsWith('{') && !decodes(segments[i]!))
    if (at >= 0) return { name: shape[at]!.slice(1, -1), raw: segments[at]! }
  }
  return undefined
}

/** Turns express's decode failure into the API's 400 naming the parameter (404 if none fits). */
export const pathDecodeErrors: ErrorRequestHandler = (err: unknown, req, _res, next) => {
  const status = (err as { status?: unknown } | null)?.status
  if (!(err instanceof URIError) || status !== 400) return next(err)
  const param = undecodableParam(req.path)
  if (param === undefined)
    return next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`))
  next(badParam(param.name, `'${param.raw}' is not valid percent-encoding`))
}
