export interface BackoffOptions {
  /** first delay, ms (default 500) */
  minDelayMs?: number
  /** longest delay, ms (default 15,000) */
  maxDelayMs?: number
}

/**
 * The wait before reconnect attempt `attempt` (0-based): doubling from the minimum up to the
 * maximum, the upper half jittered so that many clients of a restarted gateway do not all come
 * back in the same millisecond.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random
): number {
  const min = options.minDelayMs ?? 500
  const max = Math.max(min, options.maxDelayMs ?? 15_000)
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/**
 * Sends at most `perSecond` messages in any second, queueing the rest: the gateway closes a
 * `/ws` connection over its message rate (WS_MAX_MESSAGES_PER_SECOND, 20 by default), and a
 * reconnect re-sends every subscription at once.
 */
export function createPacedSender(perSecond: number, now: () => number = Date.now) {
  const sentAt: number[] = []
  const queue: string[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let write: ((text: string) => void) | undefined

  function pump(): void {
    timer = undefined
    while (queue.length > 0 && write) {
      const at = now()
      while (sentAt.length > 0 && at - sentAt[0]! >= 1_000) sentAt.shift()
      if (sentAt.length >= perSecond) {
        timer = setTimeout(pump, sentAt[0]! + 1_000 - at)
        return
      }
      sentAt.push(at)
      write(queue.shift()!)
    }
  }

  return {
    /** Messages go out through `writer` from now on (an open socket). */
    attach(writer: (text: string) => void): void {
      write = writer
      pump()
    },
    /** The socket is gone: queued messages are dropped (a new connection sends its own). */
    detach(): void {
      write = undefined
      queue.length = 0
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
    send(text: string): void {
      queue.push(text)
      if (timer === undefined) pump()
    },
  }
}
