import type { Logger } from '@takashi/observability'
import { hashKey, type ApiKeyRecord, type KeyStore } from './api-keys.ts'

export interface KeyCacheOptions {
  store: KeyStore
  log: Logger
  /** how often every cached key is read again; revocation is seen within this (plus a read) */
  refreshMs?: number
  /** most keys remembered (unknown ones included, so garbage keys cannot reach Redis each time) */
  maxEntries?: number
  /** a key that stopped being valid: its WebSockets are closed */
  onRevoked?: (id: string) => void
}

interface Entry {
  record: ApiKeyRecord | null
  /** a lookup in flight for a key not seen before */
  pending?: Promise<ApiKeyRecord | null>
}

/**
 * Each replica's view of the API keys: a key is looked up in Redis once, then answered from
 * memory while a background pass re-reads every remembered key each `refreshMs` (one batched
 * read), so a revoked key is refused by every replica within seconds and a request never waits
 * on Redis for a key already seen.
 */
export function createKeyCache(options: KeyCacheOptions) {
  const { store, log } = options
  const refreshMs = options.refreshMs ?? 1_000
  const maxEntries = options.maxEntries ?? 10_000
  const entries = new Map<string, Entry>()
  let refreshing = false

  function remember(hash: string, entry: Entry): void {
    entries.delete(hash)
    entries.set(hash, entry)
    // a Map iterates in insertion order: the first entries are the least recently added
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
  }

  async function refresh(): Promise<void> {
    if (refreshing || entries.size === 0) return
    refreshing = true
    try {
      const hashes = [...entries.keys()]
      const records = await store.lookup(hashes)
      hashes.forEach((hash, index) => {
        const entry = entries.get(hash)
        if (entry === undefined || entry.pending) return
        const record = records[index] ?? null
        if (entry.record !== null && record === null) options.onRevoked?.(entry.record.id)
        entry.record = record
      })
    } catch (err) {
      log.warn({ err }, 'api key refresh failed; keeping the last known keys')
    } finally {
      refreshing = false
    }
  }

  const timer = setInterval(() => void refresh(), refreshMs)
  timer.unref()

  return {
    /** The live record of `key`, or null when it is unknown or revoked. */
    resolve(key: string): ApiKeyRecord | null | Promise<ApiKeyRecord | null> {
      const hash = hashKey(key)
      const entry = entries.get(hash)
      if (entry) return entry.pending ?? entry.record
      const pending = store.lookup([hash]).then(
        ([record = null]) => {
          remember(hash, { record })
          return record
        },
        (err: unknown) => {
          entries.delete(hash)
          throw err
        }
      )
      remember(hash, { record: null, pending })
      return pending
    },
    refresh,
    close(): void {
      clearInterval(timer)
    },
  }
}

export type KeyCache = ReturnType<typeof createKeyCache>
