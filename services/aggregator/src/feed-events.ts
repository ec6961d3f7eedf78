import type { ExchangeId, LargeTrade, Liquidation } from '@takashi/schemas'
import type { Feed } from '@takashi/bus'

export interface Floors {
  largeTradeMinUsd: number
  liquidationMinUsd: number
}

export interface FeedEvent {
  feed: Feed
  /** id derived from the event by the ingestor; the feed drops a second copy */
  eventId: string
  exchange: ExchangeId
  symbol: string
  /** the record's JSON without `id`: the feed assigns the public id */
  body: string
}

/**
 * Decides whether an ingested trade or liquidation enters a public feed. Pure: the floor is
 * inclusive (a $100,000 trade is large at a $100,000 floor).
 */
export function toFeedEvent(
  kind: 'trades' | 'liquidations',
  record: LargeTrade | Liquidation,
  floors: Floors
): FeedEvent | null {
  const floor = kind === 'trades' ? floors.largeTradeMinUsd : floors.liquidationMinUsd
  if (!(record.value_usd >= floor)) return null
  const { id, ...rest } = record
  return {
    feed: kind === 'trades' ? 'large-trades' : 'liquidations',
    eventId: id,
    exchange: record.exchange,
    symbol: record.symbol,
    body: JSON.stringify(rest),
  }
}
