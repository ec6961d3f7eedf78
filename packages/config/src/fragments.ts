import { z } from 'zod'
import { EXCHANGE_IDS, INTERVALS } from '@takashi/schemas'

/** A comma-separated list whose items each pass `item`; duplicates are dropped. */
export function csv<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    )
    .pipe(z.array(item).min(1, 'expected at least one value'))
    .transform((items) => [...new Set(items)] as z.infer<T>[])
}

const canonicalSymbol = z
  .string()
  .regex(/^[A-Z0-9]{2,20}(USDT|USDC|USD)$/, 'expected canonical symbols like BTCUSDT')

/**
 * `SYMBOLS`: a comma list of canonical symbols, or `all` — every USDT-margined linear perpetual
 * each exchange lists as trading, learnt from its instrument list and refreshed while running.
 */
export type SymbolsSetting = 'all' | string[]

const symbolList = csv(canonicalSymbol)

export const symbolsSetting = z.string().transform((text, ctx): SymbolsSetting => {
  if (text.trim().toLowerCase() === 'all') return 'all'
  const list = symbolList.safeParse(text)
  if (list.success) return list.data
  for (const issue of list.error.issues) ctx.addIssue({ code: 'custom', message: issue.message })
  return z.NEVER
})

/** A URL kept exactly as written (plain http:// and ws:// too), without a trailing slash. */
export const exactUrl = z
  .string()
  .url('expected a URL')
  .transform((url) => url.replace(/\/+$/, ''))

export const port = z.coerce
  .number({ message: 'expected a port number' })
  .int('expected a port number')
  .min(1, 'expected a port from 1 to 65535')
  .max(65535, 'expected a port from 1 to 65535')

export const positiveInt = z.coerce
  .number({ message: 'expected a number' })
  .int('expected a whole number')
  .positive('expected a positive number')

export const nonNegative = z.coerce.number({ message: 'expected a number' }).nonnegative()

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info')

export const redisUrl = z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')

export const EXCHANGE_URL_DEFAULTS = {
  BINANCE_REST_URL: 'https://fapi.binance.com',
  BINANCE_WS_URL: 'wss://fstream.binance.com',
  BYBIT_REST_URL: 'https://api.bybit.com',
  BYBIT_WS_URL: 'wss://stream.bybit.com/v5/public/linear',
  OKX_REST_URL: 'https://www.okx.com',
  OKX_WS_PUBLIC_URL: 'wss://ws.okx.com:8443/ws/v5/public',
  OKX_WS_BUSINESS_URL: 'wss://ws.okx.com:8443/ws/v5/business',
  HYPERLIQUID_REST_URL: 'https://api.hyperliquid.xyz',
  HYPERLIQUID_WS_URL: 'wss://api.hyperliquid.xyz/ws',
} as const

export type ExchangeUrlName = keyof typeof EXCHANGE_URL_DEFAULTS

/** Env fragments shared by several processes (spec §2). */
export const sharedEnv = {
  REDIS_URL: redisUrl,
  LOG_LEVEL: logLevel,
  EXCHANGES: csv(z.enum(EXCHANGE_IDS)).default([...EXCHANGE_IDS]),
  SYMBOLS: symbolsSetting.default(['BTCUSDT', 'ETHUSDT']),
  OHLC_INTERVALS: csv(z.enum(INTERVALS)).default(['1m', '5m', '15m', '1h']),
  LARGE_TRADE_MIN_USD: nonNegative.default(100_000),
  LIQUIDATION_MIN_USD: nonNegative.default(0),
  OI_MONITOR_POLL_MS: positiveInt.default(60_000),
  METRICS_PORT: port.default(9100),
  PORT: port.default(8080),
}

/** The exchange URL variables with their live defaults. */
export const exchangeUrlEnv = Object.fromEntries(
  Object.entries(EXCHANGE_URL_DEFAULTS).map(([name, url]) => [name, exactUrl.default(url)])
) as { [K in ExchangeUrlName]: z.ZodDefault<typeof exactUrl> }
