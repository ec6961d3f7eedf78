import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { Interval } from '@takashi/schemas'
import type { ExchangeAdapter } from './adapter.ts'
import { createMarket } from './market.ts'
import { adapters } from './registry.ts'

const SRC = new URL('./', import.meta.url)

/** Folders under src/ holding an adapter (an index.ts). */
const adapterFolders = readdirSync(SRC, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/index.ts`, SRC)))
  .map((entry) => entry.name)

function isAdapter(value: unknown): value is ExchangeAdapter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ExchangeAdapter).id === 'string' &&
    typeof (value as ExchangeAdapter).createParser === 'function' &&
    typeof (value as ExchangeAdapter).connections === 'function'
  )
}

// Any URL setting resolves to a local placeholder: only stream names matter here.
const urls = new Proxy({ rest: '' }, { get: () => 'ws://127.0.0.1:1' })

/** Tracks every symbol, so a recording of any market yields records. */
class EverySymbol extends Set<string> {
  override has(): boolean {
    return true
  }
}

/** Knows a contract size for every symbol, so venues quoting contracts (OKX) yield records. */
class UnitContracts extends Map<string, number> {
  override get(): number {
    return 1
  }
}

/** The canonical symbol a stream name holds (`trades:BTC-USDT-SWAP`, `btcusdt@aggTrade`). */
function symbolOfStream(adapter: ExchangeAdapter, stream: string): string | undefined {
  for (const part of stream.split(/[:.@]/)) {
    const symbol = adapter.fromNative(part) ?? adapter.fromNative(part.toUpperCase())
    if (symbol !== null) return symbol
  }
  return undefined
}

/** The WebSocket frames an adapter's fixtures hold: `.jsonl` one per line, `.json` one per file. */
function recordedFrames(folder: string): string[] {
  const dir = new URL(`${folder}/__fixtures__/`, SRC)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => name.startsWith('ws_'))
    .flatMap((name) => {
      const text = readFileSync(new URL(name, dir), 'utf8')
      return name.endsWith('.jsonl')
        ? text.split('\n').filter((line) => line.trim() !== '')
        : [text]
    })
}

function streamNames(adapter: ExchangeAdapter, symbol: string, interval: Interval): string[] {
  return adapter
    .connections(urls, [symbol], [interval])
    .flatMap((spec) => spec.streams.map((stream) => stream.name))
}

describe('registry', () => {
  test('there is at least one adapter folder', () => {
    expect(adapterFolders.length).toBeGreaterThan(0)
  })

  test.each(adapterFolders)(
    '%s/ exports one adapter, registered under the folder name',
    async (folder) => {
      const module = (await import(`./${folder}/index.ts`)) as Record<string, unknown>
      const exported = Object.values(module).filter(isAdapter)
      expect(exported).toHaveLength(1)
      const adapter = exported[0]!
      expect(adapter.id).toBe(folder)
      expect(adapters[adapter.id]).toBe(adapter)
    }
  )

  test('every registered adapter has its folder', () => {
    expect(Object.keys(adapters).sort()).toEqual([...adapterFolders].sort())
  })

  test.each(Object.values(adapters))(
    '$id has a recorded frame for every stream kind it subscribes to',
    (adapter) => {
      const interval: Interval = adapter.intervals[0] ?? '1m'
      // stream kinds are positions in a single-symbol subscription; BTCUSDT names them
      const expected = streamNames(adapter, 'BTCUSDT', interval)
      expect(expected.length).toBeGreaterThan(0)

      const covered = new Set<string>()
      const ctx = {
        receivedAt: 0,
        symbols: new EverySymbol(),
        market: { ...createMarket(), contractSize: new UnitContracts() },
      }
      const parser = adapter.createParser()
      for (const frame of recordedFrames(adapter.id)) {
        const result = parser.parse(frame, ctx)
        let names: string[] = []
        if (result.kind === 'records' && result.records.length > 0) {
          const { record } = result.records[0]!
          const recordInterval = 'interval' in record ? record.interval : interval
          names = streamNames(adapter, record.symbol, recordInterval)
        } else if (result.kind === 'ignored' && result.stream !== undefined) {
          // a stream read only for market facts (OKX mark prices) yields no records
          const symbol = symbolOfStream(adapter, result.stream)
          if (symbol !== undefined) names = streamNames(adapter, symbol, interval)
        }
        if (result.kind !== 'records' && result.kind !== 'ignored') continue
        if (!('stream' in result) || result.stream === undefined) continue
        const position = names.indexOf(result.stream)
        const kind = expected[position]
        if (position >= 0 && kind !== undefined) covered.add(kind)
      }
      expect(expected.filter((kind) => !covered.has(kind))).toEqual([])
    }
  )
})
