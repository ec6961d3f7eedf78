import { createHash, randomBytes } from 'node:crypto'
import type { Keys, Redis } from '@takashi/bus'

/** An API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  id: string
  name: string
  /** REST requests a minute; null: RATE_LIMIT_PER_MINUTE */
  rpm: number | null
  /** open WebSockets; null: WS_MAX_CONNECTIONS_PER_CLIENT */
  ws_connections: number | null
  created_at: number
  revoked_at: number | null
  sha256: string
}

export type PublicKeyRecord = Omit<ApiKeyRecord, 'sha256'>

/**
 * Keys are 192 random bits, so a plain SHA-256 is enough to store them: unlike passwords they
 * cannot be guessed from a dictionary, and the hash stays cheap enough to check per request.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

function publicView({ sha256: _hash, ...record }: ApiKeyRecord): PublicKeyRecord {
  return record
}

function parseRecord(text: string | null): ApiKeyRecord | null {
  return text === null ? null : (JSON.parse(text) as ApiKeyRecord)
}

/** The API keys in Redis, shared by every replica and the `pnpm keys` command. */
export function createKeyStore(redis: Redis, keys: Keys, now: () => number = Date.now) {
  return {
    async create(options: {
      name: string
      rpm?: number | undefined
      wsConnections?: number | undefined
    }): Promise<PublicKeyRecord & { key: string }> {
      const key = `tk_${randomBytes(24).toString('base64url')}`
      const record: ApiKeyRecord = {
        id: `key_${randomBytes(6).toString('hex')}`,
        name: options.name,
        rpm: options.rpm ?? null,
        ws_connections: options.wsConnections ?? null,
        created_at: now(),
        revoked_at: null,
        sha256: hashKey(key),
      }
      await redis
        .multi()
        .hset(keys.apiKeys, record.id, JSON.stringify(record))
        .hset(keys.apiKeyIds, record.sha256, record.id)
        .exec()
      return { ...publicView(record), key }
    },

    async list(): Promise<PublicKeyRecord[]> {
      const all = await redis.hvals(keys.apiKeys)
      return all
        .map((text) => publicView(JSON.parse(text) as ApiKeyRecord))
        .sort((a, b) => a.created_at - b.created_at)
    },

    /** Revokes a key; null when there is no key with that id. */
    async revoke(id: string): Promise<PublicKeyRecord | null> {
      const record = parseRecord(await redis.hget(keys.apiKeys, id))
      if (record === null) return null
      if (record.revoked_at === null) record.revoked_at = now()
      await redis
        .multi()
        .hset(keys.apiKeys, id, JSON.stringify(record))
        .hdel(keys.apiKeyIds, record.sha256)
        .exec()
      return publicView(record)
    },

    /** The live records of these key hashes, in order (null: unknown or revoked). */
    async lookup(hashes: readonly string[]): Promise<(ApiKeyRecord | null)[]> {
      if (hashes.length === 0) return []
      const ids = await redis.hmget(keys.apiKeyIds, ...hashes)
      const wanted = ids.filter((id): id is string => id !== null)
      const records = wanted.length > 0 ? await redis.hmget(keys.apiKeys, ...wanted) : []
      const byId = new Map<string, ApiKeyRecord>()
      for (const text of records) {
        const record = parseRecord(text)
        if (record !== null && record.revoked_at === null) byId.set(record.id, record)
      }
      return ids.map((id, index) => {
        const record = id === null ? undefined : byId.get(id)
        return record !== undefined && record.sha256 === hashes[index] ? record : null
      })
    },
  }
}

export type KeyStore = ReturnType<typeof createKeyStore>
