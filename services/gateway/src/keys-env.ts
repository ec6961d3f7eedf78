import { backboneEnv, backboneProblems, loadEnv, withBackbone } from '@takashi/config'

/** The environment of `pnpm keys`: only the way to Redis, as the services read it. */
export function keysEnv() {
  return withBackbone(loadEnv(backboneEnv, process.env, { check: backboneProblems }))
}
