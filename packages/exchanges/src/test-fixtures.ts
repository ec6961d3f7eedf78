import { readFileSync } from 'node:fs'
import type { RestContext } from './adapter.ts'
import { createMarket, type Market } from './market.ts'

// Test-only helpers shared by the adapters: read recorded fixtures, build a parse context.

/** Readers of one adapter's `__fixtures__/` folder. */
export function fixturesIn(folder: URL) {
  const fixtureText = (name: string): string => readFileSync(new URL(name, folder), 'utf8')
  return {
    fixtureText,
    /** the frames of a `.jsonl` fixture, one text frame per line, as the socket delivers them */
    fixtureFrames: (name: string): string[] =>
      fixtureText(name)
        .split('\n')
        .filter((line) => line.trim() !== ''),
    fixtureJson: (name: string): unknown => JSON.parse(fixtureText(name)) as unknown,
  }
}

export const RECEIVED_AT = 1_700_000_000_000

/** A context over a fresh market; `learn` applies to it, as the ingestor's does. */
export function testContext(
  symbols: readonly string[],
  receivedAt = RECEIVED_AT
): RestContext & { market: Market } {
  const market = createMarket()
  return { receivedAt, symbols: new Set(symbols), market, learn: market.learn }
}
