import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { parseEnv } from './env.ts'
import { backboneEnv, backboneProblems, withBackbone } from './backbone.ts'
import { exchangeUrlEnv, sharedEnv } from './fragments.ts'

const shape = {
  PORT: sharedEnv.PORT,
  EXCHANGES: sharedEnv.EXCHANGES,
  SYMBOLS: sharedEnv.SYMBOLS,
  OHLC_INTERVALS: sharedEnv.OHLC_INTERVALS,
  REDIS_URL: sharedEnv.REDIS_URL.optional(),
  BINANCE_WS_URL: exchangeUrlEnv.BINANCE_WS_URL,
}

describe('parseEnv', () => {
  test('applies the defaults of spec §2', () => {
    const result = parseEnv(shape, {})
    expect(result).toEqual({
      ok: true,
      value: {
        PORT: 8080,
        EXCHANGES: ['binance', 'bybit', 'okx', 'hyperliquid'],
        SYMBOLS: ['BTCUSDT', 'ETHUSDT'],
        OHLC_INTERVALS: ['1m', '5m', '15m', '1h'],
        REDIS_URL: undefined,
        BINANCE_WS_URL: 'wss://fstream.binance.com',
      },
    })
  })

  test('keeps exchange URLs exactly, plain ws:// included', () => {
    const result = parseEnv(shape, { BINANCE_WS_URL: 'ws://127.0.0.1:9999/' })
    expect(result.ok && result.value.BINANCE_WS_URL).toBe('ws://127.0.0.1:9999')
  })

  test('names every bad variable with what it got', () => {
    const result = parseEnv(shape, {
      PORT: 'abc',
      EXCHANGES: 'binance,kraken',
      OHLC_INTERVALS: '1m,7m',
      REDIS_URL: 'localhost',
      BINANCE_WS_URL: 'not a url',
    })
    expect(result.ok).toBe(false)
    const problems = result.ok ? [] : result.problems
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'BINANCE_WS_URL',
      'EXCHANGES',
      'OHLC_INTERVALS',
      'PORT',
      'REDIS_URL',
    ])
    expect(problems.find((line) => line.startsWith('PORT'))).toContain('"abc"')
  })

  test('SYMBOLS is a list of canonical symbols or `all`', () => {
    const parse = (SYMBOLS: string) => parseEnv({ SYMBOLS: sharedEnv.SYMBOLS }, { SYMBOLS })
    expect(parse('all')).toEqual({ ok: true, value: { SYMBOLS: 'all' } })
    expect(parse(' ALL ')).toEqual({ ok: true, value: { SYMBOLS: 'all' } })
    expect(parse('SOLUSDT, BTCUSDT,SOLUSDT')).toEqual({
      ok: true,
      value: { SYMBOLS: ['SOLUSDT', 'BTCUSDT'] },
    })
    const bad = parse('BTCUSDT,btc-usd')
    expect(bad.ok).toBe(false)
    expect(bad.ok ? '' : bad.problems.join('\n')).toMatch(
      /^SYMBOLS: .*canonical symbols like BTCUSDT/
    )
  })

  test('an empty variable counts as unset', () => {
    const result = parseEnv({ PORT: sharedEnv.PORT, X: z.string().optional() }, { PORT: '' })
    expect(result).toEqual({ ok: true, value: { PORT: 8080, X: undefined } })
  })
})

describe('the backbone: REDIS_URL or Sentinels (spec §2)', () => {
  const parse = (env: Record<string, string>) => parseEnv(backboneEnv, env)

  test('Sentinels become one connection string; REDIS_URL alone is kept as given', () => {
    const sentinels = parse({ REDIS_SENTINELS: 'sentinel-a:26379, sentinel-b:26379' })
    expect(sentinels.ok && withBackbone(sentinels.value).REDIS_URL).toBe(
      'redis-sentinel://sentinel-a:26379,sentinel-b:26379/mymaster'
    )
    const named = parse({
      REDIS_SENTINELS: 's:1',
      REDIS_SENTINEL_NAME: 'takashi',
      REDIS_URL: 'redis://default:p%40ss@ignored:6379',
    })
    expect(named.ok && withBackbone(named.value).REDIS_URL).toBe(
      'redis-sentinel://default:p%40ss@s:1/takashi'
    )
    const plain = parse({ REDIS_URL: 'rediss://cache:6380' })
    expect(plain.ok && withBackbone(plain.value).REDIS_URL).toBe('rediss://cache:6380')
  })

  test('neither is a problem naming REDIS_URL; a bad Sentinel address names REDIS_SENTINELS', () => {
    expect(backboneProblems({})).toEqual([
      'REDIS_URL: expected a redis:// or rediss:// URL, or REDIS_SENTINELS (not set)',
    ])
    expect(backboneProblems({ REDIS_SENTINELS: 'h:1' })).toEqual([])
    const bad = parse({ REDIS_SENTINELS: 'h:1,nonsense' })
    expect(bad.ok ? [] : bad.problems).toEqual([
      'REDIS_SENTINELS: expected host:port addresses of Redis Sentinels, got "h:1,nonsense"',
    ])
  })
})
