/**
 * Hands out `symbols` a few at a time, in turn, so a poll run reads only its share of a large
 * list and every symbol comes round within `ceil(length / batch)` runs.
 */
export function createRoundRobin(symbols: readonly string[], batch: number): () => string[] {
  let next = 0
  const size = Math.max(1, Math.floor(batch))
  return () => {
    const count = Math.min(size, symbols.length)
    const picked: string[] = []
    for (let i = 0; i < count; i++) picked.push(symbols[(next + i) % symbols.length]!)
    next = symbols.length === 0 ? 0 : (next + count) % symbols.length
    return picked
  }
}

/** Symbols per run so `perMinute` requests of weight 1 are spent with a run every `everyMs`. */
export function batchFor(perMinute: number, everyMs: number): number {
  return Math.max(1, Math.floor((perMinute * everyMs) / 60_000))
}
