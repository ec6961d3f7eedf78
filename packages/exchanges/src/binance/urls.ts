import type { UrlsOf } from '../urls.ts'

/** Binance's URL settings and the environment variable each is read from (spec §2). */
export const BINANCE_URL_ENV = { ws: 'BINANCE_WS_URL', rest: 'BINANCE_REST_URL' } as const

export type BinanceUrls = UrlsOf<typeof BINANCE_URL_ENV>
