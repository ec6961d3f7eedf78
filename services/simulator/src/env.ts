import { loadEnv, port, sharedEnv } from '@takashi/config'

export const env = loadEnv(
  {
    SIMULATOR_PORT: port.default(9200),
    SYMBOLS: sharedEnv.SYMBOLS,
    OHLC_INTERVALS: sharedEnv.OHLC_INTERVALS,
    LOG_LEVEL: sharedEnv.LOG_LEVEL,
  },
  process.env
)
