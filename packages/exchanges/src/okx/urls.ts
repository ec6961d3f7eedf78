import type { UrlsOf } from '../urls.ts'

/**
 * OKX's URL settings and the environment variable each is read from (spec §2): candles are
 * served on the business socket, everything else on the public one.
 */
export const OKX_URL_ENV = {
  publicWs: 'OKX_WS_PUBLIC_URL',
  businessWs: 'OKX_WS_BUSINESS_URL',
  rest: 'OKX_REST_URL',
} as const

export type OkxUrls = UrlsOf<typeof OKX_URL_ENV>
