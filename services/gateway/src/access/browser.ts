import cors, { type CorsOptions } from 'cors'
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
const EXPOSED_HEADERS = ['Retry-After', 'RateLimit', 'RateLimit-Policy', 'ETag']

/** True when a browser page of `origin` may use the API (no Origin: not a browser page). */
export function originAllowed(allowed: CorsOrigins, origin: string | undefined): boolean {
  return origin === undefined || allowed === '*' || allowed.includes(origin)
}

/**
 * CORS on every answer (preflights 204) and the security headers of a JSON API (the OWASP REST
 * set): nothing in an answer may be run, framed or sniffed as another type, no referrer leaks,
 * and resources may be read cross-origin (the API is meant to be). HSTS is the TLS proxy's.
 */
export function browserHeaders(allowed: CorsOrigins): RequestHandler[] {
  const common: CorsOptions = {
    origin: allowed === '*' ? '*' : allowed,
    methods: ['GET', 'HEAD'],
    allowedHeaders: ALLOWED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  }
  // only a cross-origin request (a browser's, which always names its Origin) reads the exposed
  // list: other clients see every header anyway, and are spared its bytes on each answer
  const crossOrigin: CorsOptions = { ...common, exposedHeaders: EXPOSED_HEADERS }
  return [
    cors((req, callback) =>
      callback(null, req.headers.origin === undefined ? common : crossOrigin)
    ),
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      // headers for documents, not JSON: the docs page gets them (pageHeaders)
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      strictTransportSecurity: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
  ]
}

/** The security headers of an HTML page (the docs, /ui): helmet's defaults, its own files only. */
export function pageHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI and the chart of /ui set inline styles
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // the gateway speaks plain HTTP (TLS is the proxy's, like HSTS): upgrading would send a
        // page opened as http://host:8080 to https:// and wss:// that nothing answers
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
  })
}
