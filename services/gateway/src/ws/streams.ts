import { capabilityOfSegment } from '@takashi/schemas'
import {
  FEEDS,
  isStreamId,
  readLatest,
  readLatestCandle,
  type Feed,
  type Keys,
  type Redis,
} from '@takashi/bus'
import {
  requireCapability,
  resolveExchange,
  resolveInterval,
  resolveSymbol,
  type Catalog,
} from '../catalog.ts'
import { ApiError, badParam } from '../errors.ts'
import type { StreamKind } from '../metrics.ts'
import { nonNegativeParam, queryText } from '../params.ts'
import { resolveFeedScope, scopeMatcher, valueMatcher, type FeedScope } from './feed-scope.ts'
import { createFeedSource, type FeedSource } from './recovery.ts'

/** Lazily parsed record of one live message (parsed at most once per message per replica). */
export type RecordOf = () => unknown

/** What a WebSocket path stream needs from the hub. */
export interface StreamPlan {
  kind: StreamKind
  /** pub/sub channels whose messages are the stream's records, as they are */
  channels: string[]
  /** decides whether a message is sent, never what */
  filter?: (record: RecordOf) => boolean
  /** the cached current value, sent before any live message (latest-value streams) */
  initial?: () => Promise<string | null>
  /** event streams: their feed, replayed after `since_id` and after a lost Redis subscription */
  events?: FeedSource
  /** the `since_id` asked for: the feed history after it goes before live messages */
  sinceId?: string
}

export type Query = Record<string, string>

/** Path and query of an upgrade request → the stream, or an ApiError (400/404) to refuse it. */
export type ResolveStream = (path: string, query: Query) => StreamPlan

/** A URL's query as the resolver takes it (a repeated name joins its values with commas). */
export function queryOf(url: URL): Query {
  const query: Query = {}
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value
  }
  return query
}

/** A request target (`/ws/...?...`) as a URL; one no URL parser reads (`//[`) is no stream. */
export function targetUrl(target: string): URL {
  try {
    return new URL(target, 'http://gateway')
  } catch {
    throw new ApiError(404, 'not_found', `no stream ${target}`)
  }
}

/** A request target → its stream, or an ApiError (400/404). */
export function streamOf(resolve: ResolveStream, target: string): StreamPlan {
  const url = targetUrl(target)
  return resolve(url.pathname, queryOf(url))
}

function sinceIdParam(query: Query): string | undefined {
  const text = queryText(query, 'since_id')
  if (text === undefined || isStreamId(text)) return text
  throw badParam('since_id', `'${text}' is not an event id (e.g. 1700000000000-0)`)
}

function refuseSinceId(query: Query, stream: string): void {
  if (queryText(query, 'since_id') === undefined) return
  throw badParam('since_id', `${stream} is not an event stream and cannot resume`)
}

const isFeed = (name: string): name is Feed => (FEEDS as readonly string[]).includes(name)

const WS_LISTS = { exchanges: 'exchanges', symbols: 'symbols' }

/** Above this many (exchange, symbol) pairs a feed stream listens to the feed-wide channel. */
export const MAX_PAIR_CHANNELS = 32

export function createStreamResolver(deps: {
  catalog: Catalog
  keys: Keys
  redis: Redis
}): ResolveStream {
  const { catalog, keys, redis } = deps

  /**
   * An event stream: the scope's live channels, its filter, its feed to replay. A few pairs get a
   * channel each; a whole market (or many pairs) gets the feed-wide channel and a filter, so one
   * subscriber follows listings and delistings without thousands of Redis subscriptions.
   */
  function feedPlan(scope: FeedScope, query: Query): StreamPlan {
    const sinceId = sinceIdParam(query)
    const matches = scopeMatcher(scope, catalog)
    const perPair = scope.pairs !== undefined && scope.pairs.length <= MAX_PAIR_CHANNELS
    const plan: StreamPlan = {
      kind: scope.feed,
      channels: perPair
        ? (scope.pairs ?? []).map(([ex, symbol]) => keys.feedChannel(scope.feed, ex, symbol))
        : [keys.feedAllChannel(scope.feed)],
      events: createFeedSource({ redis, keys, feed: scope.feed, matches }),
    }
    const value = perPair ? valueMatcher(scope) : matches
    if (value) plan.filter = (record) => value(record())
    if (sinceId !== undefined) plan.sinceId = sinceId
    return plan
  }

  return (path, query) => {
    const parts = path.split('/')
    // ['', 'ws', feed]: an event stream across exchanges
    const feed = parts[2] ?? ''
    if (parts.length === 3 && parts[1] === 'ws' && isFeed(feed)) {
      return feedPlan(resolveFeedScope(catalog, feed, query, WS_LISTS), query)
    }
    // ['', 'ws', exchange, symbol, stream]
    if (parts.length !== 5 || parts[1] !== 'ws') {
      throw new ApiError(404, 'not_found', `no stream ${path}`)
    }
    const [, , exchangeText = '', symbolText = '', stream = ''] = parts.map((part) => {
      try {
        return decodeURIComponent(part)
      } catch {
        throw new ApiError(404, 'not_found', `no stream ${path}`)
      }
    })
    const adapter = resolveExchange(catalog, exchangeText)
    const symbol = resolveSymbol(catalog, adapter, symbolText)
    const ex = adapter.id
    switch (stream) {
      case 'ohlc': {
        requireCapability(adapter, 'ohlc')
        const interval = resolveInterval(
          catalog,
          adapter,
          queryText(query, 'interval') ?? '1m',
          true
        )
        refuseSinceId(query, stream)
        return {
          kind: 'ohlc',
          channels: [keys.ohlcChannel(ex, symbol, interval)],
          initial: () => readLatestCandle(redis, keys, { exchange: ex, symbol, interval }),
        }
      }
      case 'trades':
        requireCapability(adapter, 'trades')
        refuseSinceId(query, stream)
        return { kind: 'trades', channels: [keys.liveChannel('trades', ex, symbol)] }
      case 'liquidations':
      case 'large-trades': {
        requireCapability(adapter, capabilityOfSegment(stream))
        const min = nonNegativeParam(query, 'min_value_usd')
        const scope: FeedScope = { feed: stream, exchanges: [ex], pairs: [[ex, symbol]] }
        if (min !== undefined && min > 0) scope.min_value_usd = min
        return feedPlan(scope, query)
      }
      case 'open-interest':
      case 'funding-rate':
        requireCapability(adapter, capabilityOfSegment(stream))
        refuseSinceId(query, stream)
        return {
          kind: stream,
          channels: [keys.liveChannel(stream, ex, symbol)],
          initial: () => readLatest(redis, keys, stream, ex, symbol),
        }
      default:
        throw new ApiError(404, 'not_found', `no stream '${stream}' (path ${path})`)
    }
  }
}
