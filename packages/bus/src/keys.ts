import {
  FEED_NAMES,
  type ExchangeId,
  type FeedName,
  type Interval,
  type KindSegment,
} from '@takashi/schemas'

/** The public event feeds (Redis Streams whose entry ids are the public `id`). */
export const FEEDS = FEED_NAMES
export type Feed = FeedName

/** Latest-value kinds cached per exchange and symbol. */
export type LatestKind = Extract<KindSegment, 'open-interest' | 'funding-rate'>

/** Live (pub/sub) channel kinds of the path streams. */
export type LiveKind = 'ohlc' | 'trades' | LatestKind

/**
 * Every Redis key, channel, stream and queue name takashi uses, built from one prefix so tests
 * can isolate themselves: createKeys('takashi').candles('binance', 'BTCUSDT', '1m').
 */
export function createKeys(prefix = 'takashi') {
  const p = prefix
  return {
    prefix: p,
    /** pub/sub: the open and closed candles of one series */
    ohlcChannel: (ex: ExchangeId, sym: string, iv: Interval) => `${p}:live:ohlc:${ex}:${sym}:${iv}`,
    /** pub/sub: every trade, OI or funding update of one symbol */
    liveChannel: (kind: Exclude<LiveKind, 'ohlc'>, ex: ExchangeId, sym: string) =>
      `${p}:live:${kind}:${ex}:${sym}`,
    /** pub/sub: the events appended to a feed, per exchange and symbol */
    feedChannel: (feed: Feed, ex: ExchangeId, sym: string) => `${p}:feed-live:${feed}:${ex}:${sym}`,
    /** pub/sub: every event appended to a feed (for subscribers of many or all symbols) */
    feedAllChannel: (feed: Feed) => `${p}:feed-live-all:${feed}`,
    /** stream: a public event feed */
    feed: (feed: Feed) => `${p}:feed:${feed}`,
    /** string (NX, TTL): an event id already appended to a feed */
    feedSeen: (feed: Feed, eventId: string) => `${p}:feed-seen:${feed}:${eventId}`,
    /** stream: normalized trades or liquidations from the ingestors, for the aggregator */
    ingest: (kind: 'trades' | 'liquidations') => `${p}:ingest:${kind}`,
    /** sorted set (score = open time): recent candles of one series */
    candles: (ex: ExchangeId, sym: string, iv: Interval) => `${p}:ohlc:${ex}:${sym}:${iv}`,
    /** string: open time from which the candle cache is contiguous up to now */
    candlesFrom: (ex: ExchangeId, sym: string, iv: Interval) => `${p}:ohlc-from:${ex}:${sym}:${iv}`,
    /** string (TTL): the latest OI or funding record */
    latest: (kind: LatestKind, ex: ExchangeId, sym: string) => `${p}:latest:${kind}:${ex}:${sym}`,
    /** string (JSON): the symbols an exchange's ingestor serves now (see universe.ts) */
    universe: (ex: ExchangeId) => `${p}:universe:${ex}`,
    /** pub/sub: an exchange id, published each time that exchange's universe changed */
    universeChannel: `${p}:universe-changed`,
    /** hash (TTL): stream name → last message time (ms) of an exchange's ingestor */
    heartbeat: (ex: ExchangeId) => `${p}:heartbeat:${ex}`,
    /** string counter (TTL): REST weight spent by an exchange in one window */
    restWeight: (ex: ExchangeId, windowStart: number) => `${p}:rest-weight:${ex}:${windowStart}`,
    /** string counter (TTL): the part of that weight spent on clients' requests (fetch jobs) */
    restClientWeight: (ex: ExchangeId, windowStart: number) =>
      `${p}:rest-client-weight:${ex}:${windowStart}`,
    /** string (TTL): ms until which the exchange told us to stop calling its REST API */
    restBannedUntil: (ex: ExchangeId) => `${p}:rest-banned-until:${ex}`,
    /** string counter (TTL): REST requests of one client in one minute, shared by the gateways */
    rateLimit: (client: string, windowStart: number) => `${p}:rate:${client}:${windowStart}`,
    /** sorted set (score = expiry ms): the open WebSockets of one client, `replica:n` members */
    wsConnections: (client: string) => `${p}:ws-conns:${client}`,
    /** hash: API key id → its record (JSON, with the key's SHA-256, never the key) */
    apiKeys: `${p}:api-keys`,
    /** hash: SHA-256 of a live API key → its id; a revoked key's entry is deleted */
    apiKeyIds: `${p}:api-key-ids`,
    /** string (TTL): the OI/volume monitor's window of one series (≤ 100 values, comma-separated) */
    spikeWindow: (ex: ExchangeId, sym: string, tf: string, metric: string) =>
      `${p}:spike-window:${ex}:${sym}:${tf}:${metric}`,
    /** hash (TTL): that series' open period reading, newest closed period, armed flag, version */
    spikeState: (ex: ExchangeId, sym: string, tf: string, metric: string) =>
      `${p}:spike-state:${ex}:${sym}:${tf}:${metric}`,
    /** BullMQ: key prefix and the per-exchange cache-miss fetch queue */
    bullPrefix: `${p}:bull`,
    fetchQueue: (ex: ExchangeId) => `fetch-${ex}`,
    /** BullMQ: the OI/volume monitor's scheduled evaluations */
    monitorQueue: 'oi-monitor',
  }
}

export type Keys = ReturnType<typeof createKeys>
