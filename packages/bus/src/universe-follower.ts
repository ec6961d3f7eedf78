import type { ExchangeId } from '@takashi/schemas'
import type { Keys } from './keys.ts'
import { createRedis, type Redis } from './redis.ts'
import { readUniverse, type Universe } from './universe.ts'

export interface UniverseFollowerOptions {
  /** reads the universe keys */
  redis: Redis
  /** the follower opens its own subscriber connection to the change channel from this */
  redisUrl: string
  keys: Keys
  exchanges: readonly ExchangeId[]
  /** fallback re-read of every exchange, in case a change message was missed; default 30 s */
  refreshMs?: number
  /** an exchange's symbols changed (the first known list counts as a change) */
  onChange?: (exchange: ExchangeId, symbols: ReadonlySet<string>) => void
  onError?: (err: unknown) => void
}

export interface UniverseFollower {
  /** The symbols the exchange's ingestor last said it serves; null while none is known. */
  symbolsOf(exchange: ExchangeId): ReadonlySet<string> | null
  /** Reads every universe once (waiting at most `waitMs` for Redis), then keeps following. */
  start(waitMs?: number): Promise<void>
  stop(): void
}

/**
 * Follows the universes the ingestors write (universe.ts): read at start, again for an exchange
 * whenever its id comes on the change channel, and all of them after a reconnection and every
 * `refreshMs`. A universe that vanishes (Redis restarted empty) keeps its last known symbols
 * until the ingestor writes it again: an empty Redis is not a delisting.
 */
export function createUniverseFollower(options: UniverseFollowerOptions): UniverseFollower {
  const { redis, keys, exchanges } = options
  const known = new Map<ExchangeId, { symbols: ReadonlySet<string>; text: string }>()
  const watched = new Set<string>(exchanges)
  let subscriber: Redis | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  function apply(exchange: ExchangeId, universe: Universe | null): void {
    if (universe === null || stopped) return
    const text = universe.symbols.join(',')
    if (known.get(exchange)?.text === text) return
    const symbols = new Set(universe.symbols)
    known.set(exchange, { symbols, text })
    options.onChange?.(exchange, symbols)
  }

  async function read(exchange: ExchangeId): Promise<void> {
    apply(exchange, await readUniverse(redis, keys, exchange))
  }

  async function readAll(): Promise<void> {
    await Promise.all(exchanges.map(read))
  }

  const report = (err: unknown) => {
    if (!stopped) options.onError?.(err)
  }

  return {
    symbolsOf: (exchange) => known.get(exchange)?.symbols ?? null,

    async start(waitMs = 2_000): Promise<void> {
      if (subscriber) return
      const connection = createRedis(options.redisUrl, { blocking: true })
      subscriber = connection
      connection.on('error', report)
      connection.on('message', (_channel: string, exchange: string) => {
        if (watched.has(exchange)) read(exchange as ExchangeId).catch(report)
      })
      // after a reconnection the subscription is renewed (ioredis) and what was missed is read
      connection.on('ready', () => {
        readAll().catch(report)
      })
      connection.subscribe(keys.universeChannel).catch(report)
      timer = setInterval(() => void readAll().catch(report), options.refreshMs ?? 30_000)
      timer.unref()
      let waited: NodeJS.Timeout | undefined
      await Promise.race([
        readAll().catch(report),
        new Promise((resolve) => (waited = setTimeout(resolve, waitMs))),
      ])
      clearTimeout(waited)
    },

    stop(): void {
      stopped = true
      clearInterval(timer)
      subscriber?.disconnect()
    },
  }
}
