import { describe, expect, test } from 'vitest'
import { OKX_URL_ENV } from './okx/urls.ts'
import { urlsFrom, type UrlEnv } from './urls.ts'

describe('urlsFrom', () => {
  test('reads each URL setting from the variable the adapter names', () => {
    const values = {
      OKX_REST_URL: 'http://127.0.0.1:1',
      OKX_WS_PUBLIC_URL: 'ws://127.0.0.1:2/public',
      OKX_WS_BUSINESS_URL: 'ws://127.0.0.1:3/business',
      BINANCE_WS_URL: 'ws://unused',
    }
    expect(urlsFrom(OKX_URL_ENV, values)).toEqual({
      rest: 'http://127.0.0.1:1',
      publicWs: 'ws://127.0.0.1:2/public',
      businessWs: 'ws://127.0.0.1:3/business',
    })
    // @ts-expect-error a variable the adapter names is missing
    const withoutBusiness = () => urlsFrom(OKX_URL_ENV, { OKX_REST_URL: '', OKX_WS_PUBLIC_URL: '' })
    expect(withoutBusiness).toThrow('OKX_WS_BUSINESS_URL is not set')
  })

  test('an adapter typed loosely still fails loudly, naming the variable', () => {
    const loose: UrlEnv = { rest: 'X_REST_URL', ws: 'X_WS_URL' }
    expect(() => urlsFrom(loose, { X_REST_URL: 'http://x' })).toThrow('X_WS_URL is not set')
  })
})
