import cors from 'cors'
import type { RequestHandler } from 'express'
import helmet from 'helmet'
import { z } from 'zod'

/** `CORS_ORIGINS`: `*` or a comma list of origins such as `https://desk.example.com`. */
export const corsOrigins = z
  .string()
  .trim()
  .transform((text, ctx) => {
    if (text === '*') return '*' as const
    const origins = text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
    for (const origin of origins) {
      let parsed: URL | null = null
      try {
        parsed = new URL(origin)
      } catch {
        parsed = null
      }
      if (parsed === null || parsed.origin !== origin) {
        ctx.addIssue({
          code: 'custom',
          message: `'${origin}' is not an origin (scheme://host[:port], no path); expected * or a comma list of origins`,
        })
        return z.NEVER
      }
    }
    if (origins.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected * or a comma list of origins' })
      return z.NEVER
    }
    return origins
  })

export type CorsOrigins = z.infer<typeof corsOrigins>

/** Headers a browser may send and read across origins. */
const ALLOWED_HEADERS = ['X-API-Key', 'Content-Type', 'If-None-Match']
const EXPOSED_HEADERS = [
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'ETag',
]

/** True when a browser page of `origin` may use the API (no Origin: not a browser page). */
export function originAllowed(allowed: CorsOrigins, origin: string | undefined): boolean {
  return origin === undefined || allowed === '*' || allowed.includes(origin)
}

/**
 * CORS on every answer (preflights 204) and the security headers a JSON API should send. The
 * API is meant to be read cross-origin, so resources are `cross-origin`; pages (docs) may
 * not be framed.
 */
export function browserHeaders(allowed: CorsOrigins): RequestHandler[] {
  return [
    cors({
      origin: allowed === '*' ? '*' : allowed,
      methods: ['GET', 'HEAD'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
      optionsSuccessStatus: 204,
    }),
    helmet({
      // pages (docs) load only the gateway's own files; Swagger UI sets inline styles
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      // plain http is allowed (self-hosted behind a TLS proxy); HSTS is the proxy's decision
      strictTransportSecurity: false,
    }),
  ]
}
