import { appendToFeed, type Feed, type Keys, type Redis } from '@takashi/bus'
import type { ExchangeId, LargeTrade, Liquidation, OISpike } from '@takashi/schemas'

let nextEvent = 0

const common = (exchange: ExchangeId, symbol: string) => ({
  exchange,
  symbol,
  timestamp: 1_700_000_000_000,
  received_at: 1_700_000_000_100,
})

export function liquidation(overrides: Partial<Omit<Liquidation, 'id'>> = {}) {
  return {
    ...common(overrides.exchange ?? 'binance', overrides.symbol ?? 'BTCUSDT'),
    side: 'long' as const,
    price: 100_000,
    quantity: 0.1,
    value_usd: 10_000,
    ...overrides,
  }
}

export function largeTrade(overrides: Partial<Omit<LargeTrade, 'id'>> = {}) {
  return {
    ...common(overrides.exchange ?? 'binance', overrides.symbol ?? 'BTCUSDT'),
    side: 'buy' as const,
    price: 100_000,
    quantity: 2,
    value_usd: 200_000,
    trade_id: String(++nextEvent),
    ...overrides,
  }
}

export function oiSpike(overrides: Partial<Omit<OISpike, 'id'>> = {}) {
  return {
    ...common(overrides.exchange ?? 'binance', overrides.symbol ?? 'BTCUSDT'),
    timeframe: '5m' as const,
    metric: 'open_interest' as const,
    value: 120,
    mean: 100,
    stdev: 5,
    z_score: 4,
    threshold: 3,
    ...overrides,
  }
}

/** An event as the feed holds it: its id and the exact JSON text clients receive. */
export interface Appended {
  id: string
  body: string
}

/** Appends `record` (without id) to `feed` as the aggregator does; returns the public bytes. */
export async function append(
  redis: Redis,
  keys: Keys,
  feed: Feed,
  record: { exchange: ExchangeId; symbol: string }
): Promise<Appended> {
  const json = JSON.stringify(record)
  const id = await appendToFeed(redis, keys, feed, {
    eventId: `test:${++nextEvent}`,
    exchange: record.exchange,
    symbol: record.symbol,
    body: json,
  })
  if (id === null) throw new Error('duplicate event')
  return { id, body: `{"id":"${id}",${json.slice(1)}` }
}

/** How many subscribers each channel has, in order. */
export async function subscribers(redis: Redis, channels: string[]): Promise<number[]> {
  const reply = (await redis.pubsub('NUMSUB', ...channels)) as (string | number)[]
  return reply.filter((_, i) => i % 2 === 1).map(Number)
}
