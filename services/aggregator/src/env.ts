import { backboneEnv, backboneProblems, loadEnv, sharedEnv, withBackbone } from '@takashi/config'

export const env = withBackbone(
  loadEnv(
    {
      ...backboneEnv,
      LARGE_TRADE_MIN_USD: sharedEnv.LARGE_TRADE_MIN_USD,
      LIQUIDATION_MIN_USD: sharedEnv.LIQUIDATION_MIN_USD,
      OI_MONITOR_POLL_MS: sharedEnv.OI_MONITOR_POLL_MS,
      EXCHANGES: sharedEnv.EXCHANGES,
      SYMBOLS: sharedEnv.SYMBOLS,
      METRICS_PORT: sharedEnv.METRICS_PORT,
      LOG_LEVEL: sharedEnv.LOG_LEVEL,
    },
    process.env,
    { check: backboneProblems }
  )
)
