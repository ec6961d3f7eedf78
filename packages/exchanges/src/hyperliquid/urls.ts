import type { UrlsOf } from '../urls.ts'

/** Hyperliquid's URL settings and the environment variable each is read from (spec §2). */
export const HYPERLIQUID_URL_ENV = {
  ws: 'HYPERLIQUID_WS_URL',
  rest: 'HYPERLIQUID_REST_URL',
} as const

export type HyperliquidUrls = UrlsOf<typeof HYPERLIQUID_URL_ENV>
