import type { ExchangeId } from '@takashi/schemas'
import type { Keys } from './keys.ts'
import type { Redis } from './redis.ts'

/**
 * The symbols one exchange's ingestor serves: the `SYMBOLS` list it found listed, or with
 * `SYMBOLS=all` every USDT-margined linear perpetual the venue lists as trading. The ingestor
 * writes it whenever it changes; gateways and the aggregator read it to know what exists.
 */
export interface Universe {
  exchange: ExchangeId
  /** canonical symbols, sorted */
  symbols: string[]
  /** when the ingestor last confirmed the list against the venue (ms) */
  updated_at: number
}

/** Stores an exchange's universe and tells subscribers of `keys.universeChannel` it changed. */
export async function writeUniverse(
  redis: Redis,
  keys: Keys,
  exchange: ExchangeId,
  symbols: Iterable<string>,
  now = Date.now()
): Promise<Universe> {
  const universe: Universe = { exchange, symbols: [...new Set(symbols)].sort(), updated_at: now }
  await redis
    .multi()
    .set(keys.universe(exchange), JSON.stringify(universe))
    .publish(keys.universeChannel, exchange)
    .exec()
  return universe
}

/** The exchange's universe, or null while its ingestor has not written one yet. */
export async function readUniverse(
  redis: Redis,
  keys: Keys,
  exchange: ExchangeId
): Promise<Universe | null> {
  const text = await redis.get(keys.universe(exchange))
  if (text === null) return null
  try {
    const parsed = JSON.parse(text) as Universe
    return Array.isArray(parsed.symbols) ? parsed : null
  } catch {
    return null
  }
}
