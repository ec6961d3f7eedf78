import { z } from 'zod'
import type { Env } from './env.ts'
import { csv, redisUrl } from './fragments.ts'

const sentinelAddress = z
  .string()
  .regex(/^[^\s:,/@]+:\d{1,5}$/, 'expected host:port addresses of Redis Sentinels')

/** How processes reach Redis (spec §2): REDIS_URL, or Sentinels and the name of their master. */
export const backboneEnv = {
  REDIS_URL: redisUrl.optional(),
  REDIS_SENTINELS: csv(sentinelAddress).optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[\w.-]+$/, 'expected the master name the Sentinels monitor')
    .default('mymaster'),
}

export interface BackboneEnv {
  REDIS_URL?: string | undefined
  REDIS_SENTINELS?: string[] | undefined
  REDIS_SENTINEL_NAME: string
}

/** A process needs one way to Redis (an empty variable counts as unset). */
export function backboneProblems(env: Env): string[] {
  return !env.REDIS_URL && !env.REDIS_SENTINELS
    ? ['REDIS_URL: expected a redis:// or rediss:// URL, or REDIS_SENTINELS (not set)']
    : []
}

/**
 * The backbone as one connection string, so every part that opens connections takes a string:
 * REDIS_URL as given, or `redis-sentinel://host:port,host:port/master` (Sentinels win when both
 * are set; a password in REDIS_URL is kept for the master).
 */
export function backboneUrl(env: BackboneEnv): string {
  if (env.REDIS_SENTINELS === undefined) return env.REDIS_URL ?? ''
  const auth = env.REDIS_URL === undefined ? '' : credentials(env.REDIS_URL)
  return `redis-sentinel://${auth}${env.REDIS_SENTINELS.join(',')}/${env.REDIS_SENTINEL_NAME}`
}

function credentials(url: string): string {
  const { username, password } = new URL(url)
  return password === '' ? '' : `${username}:${password}@`
}

/** loadEnv's result with REDIS_URL resolved to the backbone connection string. */
export function withBackbone<T extends BackboneEnv>(env: T): T & { REDIS_URL: string } {
  return { ...env, REDIS_URL: backboneUrl(env) }
}
