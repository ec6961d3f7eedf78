import fc from 'fast-check'
import { INTERVALS, SPIKE_TIMEFRAMES } from '@takashi/schemas'

// Generators shared by the REST and WebSocket fuzz tests: path segments and query parameters
// with valid, unknown, malformed and edge values, as they are sent on the wire.

/** Open time of the first seeded candle (a whole day, so every interval lines up). */
export const T0 = 1_699_920_000_000
/** A time after every seeded candle. */
export const T_FAR = 99_999_999_999_999

/** Sent as they are, never encoded: percent garbage, dot segments, separators. */
const RAW_TOKENS = [
  '%',
  '%%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%FF',
  '%00',
  '%2F',
  '%2e%2e',
  '%u0041',
  '..',
  '.',
  '+',
  '%20',
  ';',
  '%25',
  '%0A',
] as const

/** Texts parsers trip over: number forms, unicode digits, case mapping, prototype names. */
const NUMBERISH = [
  '0',
  '-0',
  '1',
  '-1',
  '1000',
  '1001',
  '0100',
  '999999999999999999999',
  '9007199254740993',
  '1e3',
  '1E3',
  '1e-3',
  '1e309',
  '1.5',
  '1.0',
  '.5',
  '5.',
  '+5',
  ' 5',
  '5 ',
  '\t5\n',
  '0x10',
  '0b1',
  '0o7',
  'NaN',
  'Infinity',
  '-Infinity',
  '1_000',
  '１０',
  '١٠',
  'Ⅻ',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '1,2',
] as const

const ODD_TEXTS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'İ',
  'ß',
  'ﬀ',
  'é',
  'e\u0301',
  '😀',
  '\u0000',
  '\u200b',
  '\ufeff',
  'Ｂｉｎａｎｃｅ',
  'ＢＴＣＵＳＤＴ',
  '<script>',
  "'",
  '"',
  '\\',
  '/',
  '?',
  '#',
  '&',
  '=',
  ',',
  ',,',
] as const

/** Long, but a whole URL of them stays under Node's 16 KB header limit. */
const LONG_TEXTS = ['a'.repeat(1_500), 'é'.repeat(250), '😀'.repeat(120), '9'.repeat(400)]

/** Decoded text of any kind (encoded before sending). */
export const weirdText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_TEXTS) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERISH) },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_TEXTS) }
)

/** Decoded text → how it is written in a URL: encoded, double-encoded, or `+` for spaces. */
function encoded(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: text.map(encodeURIComponent) },
    { weight: 1, arbitrary: text.map((t) => encodeURIComponent(encodeURIComponent(t))) },
    { weight: 1, arbitrary: text.map((t) => encodeURIComponent(t).replace(/%20/g, '+')) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_TOKENS) }
  )
}

/** A value that is mostly `valid`, otherwise number forms or odd text. */
function mostly(valid: fc.Arbitrary<string>, validWeight = 4): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: validWeight, arbitrary: valid },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBERISH) },
    { weight: 1, arbitrary: weirdText }
  )
}

const weighted = (valid: readonly string[], others: readonly string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constantFrom(...others) }
  )

const list = (valid: readonly string[], others: readonly string[]) =>
  fc.array(weighted(valid, others), { minLength: 1, maxLength: 3 }).map((a) => a.join(','))

const EXCHANGE_NAMES = [
  ['binance', 'hyperliquid', ' binance '],
  ['okx', 'bybit', 'Binance', 'kraken'],
] as const
const SYMBOL_NAMES = [
  ['BTCUSDT', 'ETHUSDT', 'btcusdt'],
  ['BTC', 'eth', 'SOLUSDT', 'BTC-USDT-SWAP'],
] as const
const seededTime = fc.integer({ min: 0, max: 1_200 }).map((k) => String(T0 + k * 60_000))

/** Decoded values of every documented query parameter (REST and WebSocket). */
export const paramValues: Record<string, fc.Arbitrary<string>> = {
  limit: mostly(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 60 }).map(String) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000 }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('1', '1000', '999', '0100') }
    )
  ),
  start_time: mostly(fc.oneof(seededTime, fc.constant(String(T_FAR)))),
  // without start_time the newest `limit` candles before end_time are read: far ends keep hits
  end_time: mostly(
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(String(T_FAR)) },
      { weight: 1, arbitrary: seededTime }
    )
  ),
  min_value_usd: mostly(fc.constantFrom('0', '100', '10000', '1e4', '2.5e4', ' 5 ', '0.5')),
  exchange: mostly(list(...EXCHANGE_NAMES)),
  exchanges: mostly(list(...EXCHANGE_NAMES)),
  symbol: mostly(list(...SYMBOL_NAMES)),
  symbols: mostly(list(...SYMBOL_NAMES)),
  timeframe: mostly(fc.constantFrom(...SPIKE_TIMEFRAMES, '1m', '5M', '4h')),
  interval: mostly(fc.constantFrom(...INTERVALS, '5M', '1w', '60s')),
  since_id: mostly(fc.constantFrom('0-0', '1700000000000-0', '1700000000000', '1-1-1', '-1')),
}

/** Names no route documents, or documented ones spelled differently. */
const OTHER_NAMES = ['foo', 'LIMIT', 'limit[]', 'Limit', '__proto__', 'constructor', 'api_key']

export interface QueryEntry {
  name: string
  value: string
  /** `?name` without `=` */
  bare: boolean
}

function entry(names: readonly string[]): fc.Arbitrary<QueryEntry> {
  const name =
    names.length > 0
      ? fc.oneof(
          { weight: 10, arbitrary: fc.constantFrom(...names) },
          { weight: 1, arbitrary: fc.constantFrom(...OTHER_NAMES) },
          { weight: 1, arbitrary: weirdText }
        )
      : fc.oneof(fc.constantFrom(...OTHER_NAMES), weirdText)
  return name.chain((n) =>
    fc.record({
      name: fc.constant(n),
      value: Object.hasOwn(paramValues, n) ? paramValues[n]! : weirdText,
      bare: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, fc.constant(true)),
    })
  )
}

/** A query string (without `?`) over `names`: mostly distinct names, sometimes one repeated. */
export function queryString(names: readonly string[]): fc.Arbitrary<string> {
  return fc
    .record({
      entries: fc.uniqueArray(entry(names), { selector: (e) => e.name, maxLength: 4 }),
      repeat: fc.oneof({ weight: 9, arbitrary: fc.constant(-1) }, fc.nat()),
      extraValue: fc.oneof(...Object.values(paramValues)),
    })
    .chain(({ entries, repeat, extraValue }) => {
      const all = [...entries]
      const repeated = entries[repeat % Math.max(entries.length, 1)]
      if (repeat >= 0 && repeated) all.push({ ...repeated, value: extraValue })
      return fc.tuple(
        ...all.map((e) =>
          fc
            .tuple(encoded(fc.constant(e.name)), encoded(fc.constant(e.value)))
            .map(([name, value]) => (e.bare ? name : `${name}=${value}`))
        )
      )
    })
    .map((parts) => parts.join('&'))
}

/** Decoded values of path segments, by parameter name: mostly served, sometimes not. */
export const segmentValues: Record<string, fc.Arbitrary<string>> = {
  exchange: weighted(
    ['binance', 'binance', 'hyperliquid'],
    ['okx', 'bybit', 'Binance', 'multi', 'x']
  ),
  symbol: weighted(['BTCUSDT', 'ETHUSDT', 'btcusdt'], ['BTC', 'eth', 'SOLUSDT', 'BTCUSD_PERP']),
  interval: weighted(['1m', '5m', '1h'], [...INTERVALS, '1M', '1w', '0m', '1H']),
}

/** One path segment as sent: mostly a plausible value, otherwise anything. */
export function segment(name: string): fc.Arbitrary<string> {
  const plausible = Object.hasOwn(segmentValues, name) ? segmentValues[name]! : weirdText
  return fc.oneof(
    { weight: 10, arbitrary: plausible.map(encodeURIComponent) },
    { weight: 2, arbitrary: encoded(weirdText) }
  )
}

/** A path with its segments changed the way clients and scanners do. */
export function mangledPath(path: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 20, arbitrary: path },
    { weight: 1, arbitrary: path.map((p) => `${p}/`) },
    { weight: 1, arbitrary: path.map((p) => p.toUpperCase()) },
    { weight: 1, arbitrary: path.map((p) => `/${p}`) },
    { weight: 1, arbitrary: fc.tuple(path, encoded(weirdText)).map(([p, s]) => `${p}/${s}`) }
  )
}

/** `path` + `?query`, sometimes with a bare `?` or a stray `&`. */
export function target(path: fc.Arbitrary<string>, names: readonly string[]) {
  return fc
    .tuple(mangledPath(path), queryString(names), fc.constantFrom('', '', '', '', '&'))
    .map(([p, query, stray]) => (query === '' && stray === '' ? p : `${p}?${query}${stray}`))
}

const WS_STREAMS = [
  'ohlc',
  'trades',
  'liquidations',
  'large-trades',
  'open-interest',
  'funding-rate',
]
const WS_FEEDS = ['liquidations', 'large-trades', 'oi-spikes']

/** Query names of the WebSocket streams (spec §5). */
export const WS_QUERY_NAMES = [
  'interval',
  'since_id',
  'min_value_usd',
  'exchanges',
  'symbols',
  'timeframe',
]

/** Request targets of WebSocket streams: path streams, feeds, `/ws`, and malformed ones. */
export const wsTarget: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: target(
      fc
        .tuple(
          segment('exchange'),
          segment('symbol'),
          fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(...WS_STREAMS) },
            { weight: 1, arbitrary: encoded(weirdText) }
          )
        )
        .map((parts) => `/ws/${parts.join('/')}`),
      WS_QUERY_NAMES
    ),
  },
  {
    weight: 4,
    arbitrary: target(
      fc.constantFrom(...WS_FEEDS, 'trades', 'ohlc').map((feed) => `/ws/${feed}`),
      WS_QUERY_NAMES
    ),
  },
  { weight: 1, arbitrary: target(fc.constant('/ws'), WS_QUERY_NAMES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '//[',
      '//[/ws/liquidations',
      '//gateway/ws/liquidations',
      '/ws/../ws/liquidations',
      '/ws/binance//trades',
      '/ws/%E0/BTCUSDT/trades',
      '/ws/binance/BTCUSDT/trades/',
      '/WS/LIQUIDATIONS',
      '/%',
      '/ws?%',
      '/ws/liquidations?exchanges=%zz'
    ),
  }
)
