import type { RequestHandler } from 'express'

/**
 * A stopping gateway's HTTP side: counts requests in flight so they can finish, and asks
 * keep-alive clients to go elsewhere once draining.
 */
export function createDrain() {
  let draining = false
  let inFlight = 0
  const idleWaiters = new Set<() => void>()

  const settle = () => {
    if (inFlight > 0) return
    for (const resolve of idleWaiters) resolve()
    idleWaiters.clear()
  }

  return {
    get draining(): boolean {
      return draining
    },

    middleware: ((_req, res, next) => {
      inFlight++
      if (draining) res.setHeader('Connection', 'close')
      res.once('close', () => {
        inFlight--
        settle()
      })
      next()
    }) satisfies RequestHandler,

    start(): void {
      draining = true
    },

    /** Resolves true once no request is in flight, false when `timeoutMs` passes first. */
    idle(timeoutMs: number): Promise<boolean> {
      if (inFlight === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer)
          resolve(true)
        }
        const timer = setTimeout(() => {
          idleWaiters.delete(done)
          resolve(false)
        }, timeoutMs)
        idleWaiters.add(done)
      })
    },
  }
}

export type Drain = ReturnType<typeof createDrain>
