import { z } from 'zod'
import { backboneEnv, exchangeUrlEnv, loadEnv, port, sharedEnv } from '@takashi/config'
import { chooseLogFormat, LOG_FORMATS } from '@takashi/observability'

/** The launcher checks every variable its children read, so a mistake is reported once, up front. */
export const env = loadEnv(
  {
    ...sharedEnv,
    ...exchangeUrlEnv,
    ...backboneEnv,
    SIMULATOR_PORT: port.default(9200),
    LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  },
  process.env
)

/** The environment the children inherit. */
export const inheritedEnv: Record<string, string | undefined> = { ...process.env }

/** How the children's logs reach the terminal: readable lines there, JSON anywhere else. */
export const logFormat = chooseLogFormat({
  requested: env.LOG_FORMAT,
  isTTY: process.stdout.isTTY === true,
  env: process.env,
})
