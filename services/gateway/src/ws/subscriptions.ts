import type { Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { GatewayMetrics } from '../metrics.ts'

/**
 * The replica's Redis channel interest: who listens to which channel locally, and one
 * SUBSCRIBE / UNSUBSCRIBE per tick for every channel whose local interest changed.
 */
export function createSubscriptions<T>(deps: {
  subscriber: Redis
  log: Logger
  metrics: GatewayMetrics
}) {
  const { subscriber, log, metrics } = deps
  const listeners = new Map<string, Set<T>>()
  const subscribed = new Set<string>()
  const acks = new Map<string, Promise<unknown>>()
  const changed = new Set<string>()
  let syncing: Promise<void> | null = null
  let readyOnce = false

  subscriber.on('ready', () => {
    if (readyOnce) {
      // Messages published while the subscriber was away are lost: a gap for live streams.
      metrics.redisResubscribes.inc()
      log.warn(
        { channels: subscribed.size },
        'redis subscriber reconnected, live messages may be missing'
      )
    }
    readyOnce = true
  })

  // A SUBSCRIBE sent before the ready check answered breaks ioredis' handshake: wait for ready.
  function subscriberReady(): Promise<void> {
    if (subscriber.status === 'ready') return Promise.resolve()
    return new Promise((resolve) => subscriber.once('ready', () => resolve()))
  }

  function scheduleSync(): Promise<void> {
    syncing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(subscriberReady)
      .then(sync)
    return syncing
  }

  function sync(): void {
    syncing = null
    const toSubscribe: string[] = []
    const toUnsubscribe: string[] = []
    for (const channel of changed) {
      const wanted = listeners.has(channel)
      if (wanted && !subscribed.has(channel)) toSubscribe.push(channel)
      if (!wanted && subscribed.has(channel)) toUnsubscribe.push(channel)
    }
    changed.clear()
    if (toUnsubscribe.length > 0) {
      for (const channel of toUnsubscribe) {
        subscribed.delete(channel)
        acks.delete(channel)
      }
      subscriber.unsubscribe(...toUnsubscribe).catch((err: unknown) => {
        log.warn({ err }, 'redis unsubscribe failed')
      })
    }
    if (toSubscribe.length > 0) {
      const ack = subscriber.subscribe(...toSubscribe)
      ack.catch((err: unknown) => log.warn({ err }, 'redis subscribe failed'))
      for (const channel of toSubscribe) {
        subscribed.add(channel)
        acks.set(channel, ack)
      }
    }
  }

  return {
    /** local listeners of `channel`, or undefined */
    get: (channel: string): ReadonlySet<T> | undefined => listeners.get(channel),

    add(channel: string, listener: T): void {
      let set = listeners.get(channel)
      if (!set) {
        set = new Set()
        listeners.set(channel, set)
        changed.add(channel)
        void scheduleSync()
      }
      set.add(listener)
    },

    remove(channel: string, listener: T): void {
      const set = listeners.get(channel)
      if (!set?.delete(listener) || set.size > 0) return
      listeners.delete(channel)
      changed.add(channel)
      void scheduleSync()
    },

    /** Resolves once Redis has acknowledged the SUBSCRIBE of `channel`. */
    async whenSubscribed(this: void, channel: string): Promise<void> {
      if (!subscribed.has(channel)) await scheduleSync()
      await acks.get(channel)
    },
  }
}
