import { LRUCache } from 'lru-cache'
import type { Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { GatewayMetrics } from './metrics.ts'
import { prepare, type Prepared } from './prepared.ts'
import { createSubscriptions } from './ws/subscriptions.ts'

interface Entry {
  answer: Prepared
  channel: string
  /** the channel's version when the read that made it started */
  version: number
  at: number
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

/**
 * The replica's memory of hot REST answers (latest candle windows, latest open interest and
 * funding), each exactly the text Redis gave, prepared for sending. An entry is valid while no
 * message came on its channel since the read that made it began: every write of those keys
 * publishes on that channel in the same transaction, so an answer from memory is byte for byte
 * what Redis would give. Entries go when their channel speaks, when the subscription breaks,
 * after `maxAgeMs`, or least recently used beyond `maxBytes`.
 */
export function createHotCache(options: HotCacheOptions) {
  const { subscriber, log, metrics } = options
  const now = options.now ?? Date.now
  const maxAgeMs = options.maxAgeMs ?? 1_000
  const versions = new Map<string, number>()
  const watchers = new Map<string, Watcher>()
  const keysOf = new Map<string, Set<string>>()
  // reads in flight: the requests that find an entry stale at once share one Redis read
  const loading = new Map<
    string,
    Promise<{ answer: Prepared; fromMemory: boolean; kept: boolean }>
  >()
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
  })

  const entries: LRUCache<string, Entry> = new LRUCache<string, Entry>({
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (entry) => Math.max(1, entry.answer.body.length),
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

  function watch(channel: string): Promise<void> {
    if (!watchers.has(channel)) {
      const watcher = { channel }
      watchers.set(channel, watcher)
      subscriptions.add(channel, watcher)
    }
    return subscriptions.whenSubscribed(channel)
  }

  function fresh(entry: Entry | undefined): entry is Entry {
    return (
      entry !== undefined &&
      live &&
      entry.version === (versions.get(entry.channel) ?? 0) &&
      now() - entry.at < maxAgeMs
    )
  }

  return {
    /** The remembered answer of `key`, if it is still what Redis holds; no I/O. */
    peek(key: string): Prepared | undefined {
      const entry = entries.get(key)
      return fresh(entry) ? entry.answer : undefined
    },

    /**
     * Reads `key` through `load` (the Redis read) and remembers the text when `load` says it may
     * be kept and no message came on `channel` meanwhile. Answers from memory when it can.
     */
    async read(
      key: string,
      channel: string,
      load: () => Promise<{ text: string; keep: boolean }>
    ): Promise<{ answer: Prepared; fromMemory: boolean; kept: boolean }> {
      const entry = entries.get(key)
      if (fresh(entry)) return { answer: entry.answer, fromMemory: true, kept: true }
      const pending = loading.get(key)
      if (pending) return pending
      const read = readThrough(key, channel, load).finally(() => loading.delete(key))
      loading.set(key, read)
      return read
    },

    get size(): number {
      return entries.size
    },
    get bytes(): number {
      return entries.calculatedSize
    },
  }

  async function readThrough(
    key: string,
    channel: string,
    load: () => Promise<{ text: string; keep: boolean }>
  ): Promise<{ answer: Prepared; fromMemory: boolean; kept: boolean }> {
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
      entries.set(key, { answer, channel, version, at })
      metrics.restMemoryBytes.set(entries.calculatedSize)
    }
    return { answer, fromMemory: false, kept: loaded.keep }
  }
}

export type HotCache = ReturnType<typeof createHotCache>
