import { Router } from 'express'
import { FEEDS, readFeedNewest, type Feed, type Keys, type Redis } from '@takashi/bus'
import type { AppDeps } from '../deps.ts'
import { waitForRedis } from '../backbone.ts'
import { backboneDown } from '../errors.ts'
import { parseQuery } from '../params.ts'
import { FEED_SCAN_LIMIT, expressPath, routes, type RouteSpec } from '../route-specs.ts'
import { resolveFeedScope, scopeMatcher } from '../ws/feed-scope.ts'

/** The newest entries of `feed` that `matches` accepts, newest first, as their JSON text. */
export async function readNewestMatching(
  redis: Redis,
  keys: Keys,
  feed: Feed,
  matches: (record: unknown) => boolean,
  limit: number
): Promise<string[]> {
  const found: string[] = []
  let before: string | undefined
  let scanned = 0
  let pageSize = Math.min(1_000, Math.max(100, limit * 2))
  while (found.length < limit && scanned < FEED_SCAN_LIMIT) {
    const page = await readFeedNewest(redis, keys, feed, pageSize, before)
    for (const entry of page) {
      if (found.length === limit) break
      try {
        if (matches(JSON.parse(entry.body))) found.push(entry.body)
      } catch {
        // an unreadable entry is nobody's event
      }
    }
    scanned += page.length
    before = page.at(-1)?.id
    if (page.length < pageSize || before === undefined) break
    pageSize = 1_000
  }
  return found
}

const LISTS = { exchanges: 'exchange', symbols: 'symbol' }

const FEED_ROUTES = {
  liquidations: routes.liquidations,
  'large-trades': routes.largeTrades,
  'oi-spikes': routes.oiSpikes,
} satisfies Record<Feed, RouteSpec>

/** `GET /liquidations`, `/large-trades`, `/oi-spikes`: recent events, newest first. */
export function feedsRouter(deps: Pick<AppDeps, 'redis' | 'keys' | 'catalog'>): Router {
  const router = Router()
  const { redis, keys, catalog } = deps

  for (const feed of FEEDS) {
    const spec = FEED_ROUTES[feed]
    router.get(expressPath(spec), async (req, res) => {
      // the scope (shared with WebSocket) answers 404s for unknown names before any 400 of limit
      const scope = resolveFeedScope(catalog, feed, req.query, LISTS)
      const { limit } = parseQuery(spec.query, req.query)
      if (!(await waitForRedis(redis))) throw backboneDown()
      const bodies = await readNewestMatching(
        redis,
        keys,
        feed,
        scopeMatcher(scope, catalog),
        limit
      )
      // The feed holds the client-facing JSON: joined, never re-stringified.
      res.type('application/json').send(`[${bodies.join(',')}]`)
    })
  }

  return router
}
