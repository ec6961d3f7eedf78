import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import express, { Router } from 'express'
import { pageHeaders } from '../access/browser.ts'
import type { AppDeps } from '../deps.ts'
import { buildOpenApi } from '../openapi.ts'

// Swagger UI's assets come from the npm package and are served locally: no CDN, works offline.
const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>takashi API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true })\n`

/** `GET /openapi.json` and the interactive docs at `GET /docs`. */
export function docsRouter(deps: AppDeps): Router {
  const router = Router()
  let document: string | undefined
  router.use('/docs', pageHeaders())

  router.get('/openapi.json', (_req, res) => {
    document ??= JSON.stringify(
      buildOpenApi({ version: deps.version, exchanges: [...deps.catalog.exchanges.keys()] })
    )
    res.type('application/json').send(document)
  })
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE)
  })
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT_SCRIPT)
  })
  router.use('/docs/assets', express.static(swaggerUiDir, { index: false, maxAge: '1h' }))
  return router
}
