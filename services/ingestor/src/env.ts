import { z } from 'zod'
import {
  backboneEnv,
  backboneProblems,
  exchangeUrlEnv,
  loadEnv,
  sharedEnv,
  withBackbone,
} from '@takashi/config'
import { adapters, type UrlVarOf } from '@takashi/exchanges'
import { EXCHANGE_IDS, type ExchangeId } from '@takashi/schemas'

// only exchanges that have an adapter can be ingested
const available = EXCHANGE_IDS.filter((id) => adapters[id] !== undefined) as [
  ExchangeId,
  ...ExchangeId[],
]

export const env = withBackbone(
  loadEnv(
    {
      EXCHANGE: z.enum(available, { message: `expected one of ${available.join(', ')}` }),
      ...backboneEnv,
      SYMBOLS: sharedEnv.SYMBOLS,
      OHLC_INTERVALS: sharedEnv.OHLC_INTERVALS,
      LARGE_TRADE_MIN_USD: sharedEnv.LARGE_TRADE_MIN_USD,
      METRICS_PORT: sharedEnv.METRICS_PORT,
      LOG_LEVEL: sharedEnv.LOG_LEVEL,
      ...exchangeUrlEnv,
    },
    // the exchange may also be the first command-line argument: `ingestor binance`
    { ...process.env, EXCHANGE: process.argv[2] ?? process.env.EXCHANGE },
    { check: backboneProblems }
  )
)

/** Every URL variable some adapter reads. */
type AdapterUrlVar = UrlVarOf<NonNullable<(typeof adapters)[ExchangeId]>>

/**
 * The URL variables by name, for `urlsFrom`: a variable an adapter declares but this file does
 * not parse is a type error here.
 */
export const exchangeUrls: Readonly<Record<AdapterUrlVar, string>> = env
