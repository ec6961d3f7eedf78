import { backboneEnv, exchangeUrlEnv, loadEnv, port, sharedEnv } from '@takashi/config'

/** The launcher checks every variable its children read, so a mistake is reported once, up front. */
export const env = loadEnv(
  {
    ...sharedEnv,
    ...exchangeUrlEnv,
    ...backboneEnv,
    SIMULATOR_PORT: port.default(9200),
  },
  process.env
)

/** The environment the children inherit. */
export const inheritedEnv: Record<string, string | undefined> = { ...process.env }
