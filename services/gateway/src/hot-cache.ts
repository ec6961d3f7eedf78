import { LRUCache } from 'lru-cache'
import type { Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { GatewayMetrics } from './metrics.ts'
import { prepare, type Prepared } from './prepared.ts'
import { createSubscriptions } from './ws/subscriptions.ts'

/** The Redis read behind an entry: its text, and whether it may be kept (a covered window). */
export type Load = () => Promise<{ text: string; keep: boolean }>

export interface Read {
  answer: Prepared
  fromMemory: boolean
  kept: boolean
}

interface Entry {
  answer: Prepared
  channel: string
  load: Load
  /** the channel's version when the read that made it started */
  version: number
  at: number
  usedAt: number
}

interface Watcher {
  channel: string
}

export interface HotCacheOptions {
  /** a connection of its own in subscriber mode (the hub keeps the other one for streams) */
  subscriber: Redis
  log: Logger
  metrics: GatewayMetrics
  /** bytes of bodies kept (compressed forms come on top, each smaller than its body) */
  maxBytes?: number
  /**
   * Longest an entry is trusted without a message: what changes without one (a coverage marker
   * that expires with a stopped ingestor, a backfill) is seen within this.
   */
  maxAgeMs?: number
  now?: () => number
}

/** An entry asked for within this is read again as soon as it goes stale. */
const IN_USE_MS = 2_000

/**
 * The replica's memory of hot REST answers (latest candle windows, latest open interest and
 * funding), each exactly the text Redis gave, prepared for sending. An entry is valid while no
 * message came on its channel since the read that made it began: every live write of those keys
 * publishes on that channel in the same transaction, so an answer from memory is byte for byte
 * what Redis holds. Entries in use are read again as soon as their channel speaks or half their
 * `maxAgeMs` has passed, so busy answers are always ready; entries go when the subscription
 * breaks, when unused for `maxAgeMs` (2 s at least), or least recently used beyond `maxBytes`.
 */
export function createHotCache(options: HotCacheOptions) {
  const { subscriber, log, metrics } = options
  const now = options.now ?? Date.now
  const maxAgeMs = options.maxAgeMs ?? 1_000
  const versions = new Map<string, number>()
  const watchers = new Map<string, Watcher>()
  const keysOf = new Map<string, Set<string>>()
  // reads in flight: requests for an entry being read wait for that read instead of another
  const loading = new Map<string, Promise<Read>>()
  let live = false

  const subscriptions = createSubscriptions<Watcher>({
    subscriber,
    log,
    metrics,
    onLost: () => {
      live = false
      entries.clear()
    },
    onRestored: () => {
      live = true
    },
  })
  // the first connection: nothing to restore, messages flow from here on
  if (subscriber.status === 'ready') live = true
  else subscriber.once('ready', () => (live = true))
  subscriber.on('messageBuffer', (channel: Buffer) => {
    const name = channel.toString()
    versions.set(name, (versions.get(name) ?? 0) + 1)
    for (const key of keysOf.get(name) ?? []) {
      const entry = entries.peek(key)
      if (entry && now() - entry.usedAt < IN_USE_MS) refresh(key, entry)
    }
  })

  const entries: LRUCache<string, Entry> = new LRUCache<string, Entry>({
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (entry) => Math.max(1, entry.answer.bytes),
    dispose: (entry, key, reason) => {
      // replaced by a newer answer of the same key: same channel, still watched
      if (reason === 'set') return
      const keys = keysOf.get(entry.channel)
      keys?.delete(key)
      if (keys?.size !== 0) return
      keysOf.delete(entry.channel)
      const watcher = watchers.get(entry.channel)
      if (watcher) subscriptions.remove(entry.channel, watcher)
      watchers.delete(entry.channel)
      versions.delete(entry.channel)
      metrics.restMemoryBytes.set(entries.calculatedSize)
    },
  })

  // An entry unused for this long would be read again anyway (it is older than maxAgeMs): it
  // goes, and its channel with it, so a client that once walked a whole market does not leave
  // this replica subscribed to thousands of channels nobody reads.
  const idleMs = Math.max(maxAgeMs, IN_USE_MS)
  const sweeper = setInterval(() => {
    const at = now()
    const idle: string[] = []
    entries.forEach((entry, key) => {
      if (at - entry.usedAt >= idleMs && !loading.has(key)) idle.push(key)
    })
    for (const key of idle) entries.delete(key)
  }, idleMs)
  sweeper.unref()

  function watch(channel: string): Promise<void> {
    if (!watchers.has(channel)) {
      const watcher = { channel }
      watchers.set(channel, watcher)
      subscriptions.add(channel, watcher)
    }
    return subscriptions.whenSubscribed(channel)
  }

  function fresh(entry: Entry | undefined, at: number): entry is Entry {
    return (
      entry !== undefined &&
      live &&
      entry.version === (versions.get(entry.channel) ?? 0) &&
      at - entry.at < maxAgeMs
    )
  }

  async function readThrough(key: string, channel: string, load: Load): Promise<Read> {
    // subscribed before the read: a write after it is heard and drops what it read
    await watch(channel)
    const version = versions.get(channel) ?? 0
    const at = now()
    const loaded = await load()
    const answer = prepare(loaded.text)
    const unchanged = (versions.get(channel) ?? 0) === version
    if (live && unchanged && loaded.keep) {
      let keys = keysOf.get(channel)
      if (!keys) keysOf.set(channel, (keys = new Set()))
      keys.add(key)
      entries.set(key, { answer, channel, load, version, at, usedAt: at })
      metrics.restMemoryBytes.set(entries.calculatedSize)
    }
    return { answer, fromMemory: false, kept: loaded.keep }
  }

  function start(key: string, channel: string, load: Load): Promise<Read> {
    let read = loading.get(key)
    if (read === undefined) {
      read = readThrough(key, channel, load).finally(() => loading.delete(key))
      loading.set(key, read)
    }
    return read
  }

  /** Reads an entry in use again in the background; a failure leaves it to expire. */
  function refresh(key: string, entry: Entry): void {
    start(key, entry.channel, entry.load).catch((err: unknown) =>
      log.debug({ err, key }, 'refresh of a REST answer in memory failed')
    )
  }

  return {
    /**
     * The remembered answer of `key` if it is still what Redis holds, without I/O; an answer
     * being read is returned as that read (null when there is neither).
     */
    peek(key: string): Prepared | Promise<Read> | null {
      const at = now()
      const entry = entries.get(key)
      if (fresh(entry, at)) {
        entry.usedAt = at
        if (at - entry.at >= maxAgeMs / 2) refresh(key, entry)
        return entry.answer
      }
      return loading.get(key) ?? null
    },

    /**
     * Reads `key` through `load` (the Redis read) and remembers the text when `load` says it may
     * be kept and no message came on `channel` meanwhile. Answers from memory when it can.
     */
    async read(key: string, channel: string, load: Load): Promise<Read> {
      const at = now()
      const entry = entries.get(key)
      if (fresh(entry, at)) {
        entry.usedAt = at
        return { answer: entry.answer, fromMemory: true, kept: true }
      }
      return start(key, channel, load)
    },

    get size(): number {
      return entries.size
    },
    /** channels this replica's memory listens to */
    get channels(): number {
      return watchers.size
    },
    close(): void {
      clearInterval(sweeper)
    },
    get bytes(): number {
      return entries.calculatedSize
    },
  }
}

export type HotCache = ReturnType<typeof createHotCache>
