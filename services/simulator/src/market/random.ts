/** A seeded pseudo-random source, so a simulated market is reproducible run to run. */
export interface Random {
  /** uniform in [0, 1) */
  next(): number
  /** standard normal */
  gaussian(): number
  /** uniform in [min, max) */
  between(min: number, max: number): number
  chance(probability: number): boolean
}

/** mulberry32: tiny, fast and good enough for a demo market. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    // Box–Muller; 1 - next() avoids log(0)
    gaussian: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    between: (min, max) => min + (max - min) * next(),
    chance: (probability) => next() < probability,
  }
}

/** A per-symbol seed derived from the run seed, so symbols do not move in lockstep. */
export function symbolSeed(seed: number, symbol: string): number {
  let hash = seed >>> 0
  for (const char of symbol) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0
  return hash
}
