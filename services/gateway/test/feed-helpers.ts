import { appendToFeed, type Feed, type Keys, type Redis } from '@takashi/bus'
import type { ExchangeId, LargeTrade, Liquidation, OISpike } from '@takashi/schemas'
import * as records from '@takashi/testing'

let nextEvent = 0

// received 100 ms after the event; the builders are @takashi/testing's, without the feed id
const received = { received_at: 1_700_000_000_100 }

export function liquidation(overrides: Partial<Omit<Liquidation, 'id'>> = {}) {
  return records.withoutId(records.liquidation({ ...received, ...overrides }))
}

export function largeTrade(overrides: Partial<Omit<LargeTrade, 'id'>> = {}) {
  return records.withoutId(
    records.largeTrade({
      ...received,
      quantity: 2,
      value_usd: 200_000,
      trade_id: String(++nextEvent),
      ...overrides,
    })
  )
}

export function oiSpike(overrides: Partial<Omit<OISpike, 'id'>> = {}) {
  return records.withoutId(records.oiSpike({ ...received, ...overrides }))
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
