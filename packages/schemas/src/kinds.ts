import type { Capabilities } from './api.ts'

/**
 * Each kind of data, once: the record kind the ingestors publish (the key), the segment that
 * names it in URLs, WebSocket paths and channel names, the capability an exchange needs to
 * serve it, and the public event feed it goes to, if any. Everything that translates between
 * these names reads this table.
 */
export const DATA_KINDS = {
  ohlc: { segment: 'ohlc', capability: 'ohlc', feed: null },
  trade: { segment: 'trades', capability: 'trades', feed: null },
  open_interest: { segment: 'open-interest', capability: 'open_interest', feed: null },
  funding_rate: { segment: 'funding-rate', capability: 'funding_rate', feed: null },
  liquidation: { segment: 'liquidations', capability: 'liquidations', feed: 'liquidations' },
  large_trade: { segment: 'large-trades', capability: 'large_trades', feed: 'large-trades' },
  oi_spike: { segment: 'oi-spikes', capability: 'open_interest', feed: 'oi-spikes' },
} as const satisfies Record<
  string,
  { segment: string; capability: keyof Capabilities; feed: string | null }
>

export type DataKind = keyof typeof DATA_KINDS
/** A kind's name in URLs and channel names: `open-interest`, `large-trades`, … */
export type KindSegment = (typeof DATA_KINDS)[DataKind]['segment']
/** The public event feeds: `liquidations`, `large-trades`, `oi-spikes`. */
export type FeedName = NonNullable<(typeof DATA_KINDS)[DataKind]['feed']>

/** The segment of a kind, typed to that kind's own segment. */
export function segmentOf<K extends DataKind>(kind: K): (typeof DATA_KINDS)[K]['segment'] {
  return DATA_KINDS[kind].segment
}

const BY_SEGMENT = new Map<string, DataKind>(
  Object.entries(DATA_KINDS).map(([kind, { segment }]) => [segment, kind as DataKind])
)

/** The kind a segment names, or undefined for a segment that names none. */
export function kindOfSegment(segment: string): DataKind | undefined {
  return BY_SEGMENT.get(segment)
}

/** The capability an exchange needs to serve what a segment names. */
export function capabilityOfSegment(segment: KindSegment): keyof Capabilities {
  return DATA_KINDS[kindOfSegment(segment)!].capability
}

/** Every public event feed, in table order. */
export const FEED_NAMES = Object.values(DATA_KINDS).flatMap(({ feed }) =>
  feed === null ? [] : [feed]
) as FeedName[]
