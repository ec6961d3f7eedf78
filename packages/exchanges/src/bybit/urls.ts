import type { UrlsOf } from '../urls.ts'

/** Bybit's URL settings and the environment variable each is read from (spec §2). */
export const BYBIT_URL_ENV = { ws: 'BYBIT_WS_URL', rest: 'BYBIT_REST_URL' } as const

export type BybitUrls = UrlsOf<typeof BYBIT_URL_ENV>
