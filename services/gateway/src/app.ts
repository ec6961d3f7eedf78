import express, { type Express, type RequestHandler } from 'express'
import { errorHandler, notFound } from './errors.ts'
import type { AppDeps } from './deps.ts'
import type { GatewayMetrics } from './metrics.ts'
import { docsRouter } from './routes/docs.ts'
import { feedsRouter } from './routes/feeds.ts'
import { marketRouter } from './routes/market.ts'
import { metaRouter } from './routes/meta.ts'
import { multiRouter } from './routes/multi.ts'
import { probesRouter } from './routes/probes.ts'
import { rateLimit } from './rate-limit.ts'

/** Counts each answer by route pattern (never the URL) and status. */
function requestMetrics(metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path
      const route = typeof pattern === 'string' ? req.baseUrl + pattern : 'unmatched'
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      metrics.httpRequests.inc({ route, status: String(res.statusCode) })
      metrics.httpDuration.observe({ route }, seconds)
    })
    next()
  }
}

/** The REST app: routes read the caches through @takashi/bus, misses go to the ingestors. */
export function createApp(deps: AppDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  // the client IP of the rate limit: X-Forwarded-For only from the proxies configured as trusted
  app.set('trust proxy', deps.trustProxy ?? 'loopback')
  if (deps.drain) app.use(deps.drain.middleware)
  app.use(requestMetrics(deps.metrics))
  app.use(rateLimit({ ...deps, perMinute: deps.rateLimitPerMinute ?? 0 }))
  app.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics())
  })
  app.use(probesRouter(deps))
  app.use(metaRouter(deps))
  app.use(docsRouter(deps))
  app.use(feedsRouter(deps))
  app.use(multiRouter(deps))
  app.use(marketRouter(deps))
  app.use(notFound)
  app.use(errorHandler(deps.log, () => deps.redis.status !== 'ready'))
  return app
}
