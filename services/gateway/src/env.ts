import {
  backboneEnv,
  backboneProblems,
  loadEnv,
  nonNegative,
  positiveInt,
  sharedEnv,
  withBackbone,
} from '@takashi/config'
import { apiKeysMode } from './access/access.ts'
import { corsOrigins } from './access/browser.ts'
import { trustedProxies } from './access/client-address.ts'

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
      CORS_ORIGINS: corsOrigins.default('*'),
      API_KEYS: apiKeysMode.default('off'),
      WS_MAX_CONNECTIONS_PER_CLIENT: positiveInt.default(50),
      WS_MAX_MESSAGES_PER_SECOND: positiveInt.default(20),
    },
    process.env,
    { check: backboneProblems }
  )
)
