import express, { type Express, type RequestHandler } from 'express'
import { browserHeaders } from './access/browser.ts'
import { errorHandler, notFound } from './errors.ts'
import type { AppDeps } from './deps.ts'
import type { GatewayMetrics } from './metrics.ts'
import { pathDecodeErrors } from './path-decode.ts'
import { docsRouter } from './routes/docs.ts'
import { feedsRouter } from './routes/feeds.ts'
import { marketRouter } from './routes/market.ts'
import { metaRouter } from './routes/meta.ts'
import { multiRouter } from './routes/multi.ts'
import { probesRouter } from './routes/probes.ts'
import { uiRouter } from './routes/ui.ts'

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
  // CORS first, so refusals (401, 429, 503 while draining) can be read by a page too
  app.use(browserHeaders(deps.corsOrigins ?? '*'))
  if (deps.drain) app.use(deps.drain.middleware)
  app.use(requestMetrics(deps.metrics))
  // the page's static files hold no data: served without a key, so a page can say it needs one
  app.use(uiRouter())
  // the client (API key or IP) and its share of the limits; /health, probes and /metrics are open
  app.use(deps.access.middleware)
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
  app.use(pathDecodeErrors)
  app.use(errorHandler(deps.log, () => deps.redis.status !== 'ready'))
  return app
}
