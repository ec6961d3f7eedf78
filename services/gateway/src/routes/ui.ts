import { join } from 'node:path'
import express, { Router } from 'express'
import { uiBuilt, uiDir } from '@takashi/ui'
import { pageHeaders } from '../access/browser.ts'
import { ApiError } from '../errors.ts'

/**
 * The live market page at `GET /ui`: the files @takashi/ui builds at install, served from disk
 * with the page headers of the docs (CSP: this origin only, so the page works offline and talks
 * to this gateway alone). Names are not hashed, so browsers revalidate (ETag) on every load.
 */
export function uiRouter(): Router {
  const router = Router()
  router.use('/ui', pageHeaders())
  router.get(['/ui', '/ui/'], (_req, res, next) => {
    if (!uiBuilt()) {
      const message =
        'the /ui page is not built: run pnpm install (or pnpm --filter @takashi/ui build)'
      return next(new ApiError(404, 'not_found', message))
    }
    res.set('Cache-Control', 'no-cache').sendFile(join(uiDir, 'index.html'))
  })
  router.use('/ui', express.static(uiDir, { index: false, redirect: false, maxAge: 0 }))
  return router
}
