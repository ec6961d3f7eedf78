import type { Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { GatewayMetrics } from '../metrics.ts'

/** A promise settled later with another promise's outcome. */
function deferred(): { promise: Promise<unknown>; settle(with_: Promise<unknown>): void } {
  let settle: (with_: Promise<unknown>) => void = () => {}
  const promise = new Promise<unknown>((resolve) => {
    settle = resolve
  })
  return { promise, settle }
}

/**
 * The replica's Redis channel interest: who listens to which channel locally, and one
 * SUBSCRIBE / UNSUBSCRIBE per tick for every channel whose local interest changed.
 *
 * The subscriber connection must not re-subscribe by itself (`autoResubscribe: false`): after a
 * reconnect this module subscribes every channel again and calls `onRestored` once Redis has
 * acknowledged them, so the hub can fill the gap from that point on.
 */
export function createSubscriptions<T>(deps: {
  subscriber: Redis
  log: Logger
  metrics: GatewayMetrics
  /** the subscriber connection was lost: live messages are being missed from now on */
  onLost?: () => void
  /** every channel is subscribed again after a loss: live messages flow from here on */
  onRestored?: () => void
}) {
  const { subscriber, log, metrics } = deps
  const listeners = new Map<string, Set<T>>()
  const subscribed = new Set<string>()
  const acks = new Map<string, Promise<unknown>>()
  const changed = new Set<string>()
  let syncing: Promise<void> | null = null
  let connected = false
  let readyOnce = false
  let epoch = 0
  let resubscribed: ReturnType<typeof deferred> | null = null

  subscriber.on('close', () => {
    if (!connected) return
    connected = false
    epoch++
    // Whoever waits for a channel now waits for its SUBSCRIBE on the next connection.
    resubscribed = deferred()
    for (const channel of subscribed) acks.set(channel, resubscribed.promise)
    deps.onLost?.()
  })

  subscriber.on('ready', () => {
    connected = true
    if (readyOnce) {
      metrics.redisResubscribes.inc()
      log.warn({ channels: subscribed.size }, 'redis subscriber reconnected, resubscribing')
    }
    readyOnce = true
    const pending = resubscribed
    resubscribed = null
    if (!pending) return
    const current = epoch
    const channels = [...subscribed]
    const ack: Promise<unknown> =
      channels.length > 0 ? subscriber.subscribe(...channels) : Promise.resolve()
    pending.settle(ack)
    ack.then(
      () => {
        if (current === epoch) deps.onRestored?.()
      },
      (err: unknown) => log.warn({ err }, 'redis resubscribe failed')
    )
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
