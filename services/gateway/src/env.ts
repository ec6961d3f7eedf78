import {
  backboneEnv,
  backboneProblems,
  loadEnv,
  nonNegative,
  positiveInt,
  sharedEnv,
  withBackbone,
} from '@takashi/config'
import { trustedProxies } from './rate-limit.ts'

export const env = withBackbone(
  loadEnv(
    {
      ...backboneEnv,
      PORT: sharedEnv.PORT,
      EXCHANGES: sharedEnv.EXCHANGES,
      SYMBOLS: sharedEnv.SYMBOLS,
      OHLC_INTERVALS: sharedEnv.OHLC_INTERVALS,
      LARGE_TRADE_MIN_USD: sharedEnv.LARGE_TRADE_MIN_USD,
      LOG_LEVEL: sharedEnv.LOG_LEVEL,
      FETCH_TIMEOUT_MS: positiveInt.default(10_000),
      RATE_LIMIT_PER_MINUTE: nonNegative.default(1_200),
      TRUSTED_PROXIES: trustedProxies.default('loopback'),
    },
    process.env,
    { check: backboneProblems }
  )
)
