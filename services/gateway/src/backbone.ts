import type { Redis } from '@takashi/bus'

/** How long a request waits for a (re)connecting Redis before answering 503. */
export const BACKBONE_WAIT_MS = 1_000

/** True once `redis` is ready, waiting up to `timeoutMs` while it (re)connects. */
export function waitForRedis(redis: Redis, timeoutMs = BACKBONE_WAIT_MS): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  if (redis.status === 'end') return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer)
      redis.off('ready', onReady)
      resolve(ready)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    redis.on('ready', onReady)
  })
}
