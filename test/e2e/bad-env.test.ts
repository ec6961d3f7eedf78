import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'

const run = (entry: string, env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  })

describe('invalid environment', () => {
  test('the launcher exits 1 naming every bad variable', () => {
    const result = run('services/launcher/src/main.ts', {
      PORT: 'abc',
      EXCHANGES: 'binance,kraken',
      BINANCE_WS_URL: 'not a url',
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^ {2}PORT: .*"abc"/m)
    expect(result.stderr).toMatch(/^ {2}EXCHANGES: /m)
    expect(result.stderr).toMatch(/^ {2}BINANCE_WS_URL: /m)
  })

  test('the aggregator exits 1 when REDIS_URL is missing or malformed', () => {
    const missing = run('services/aggregator/src/main.ts', { REDIS_URL: '' })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('REDIS_URL')
    const malformed = run('services/aggregator/src/main.ts', {
      REDIS_URL: 'localhost:6379',
      LARGE_TRADE_MIN_USD: '-5',
    })
    expect(malformed.status).toBe(1)
    expect(malformed.stderr).toContain('REDIS_URL: expected a redis://')
    expect(malformed.stderr).toContain('LARGE_TRADE_MIN_USD')
  })
})
