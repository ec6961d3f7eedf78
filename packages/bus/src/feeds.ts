import type { ExchangeId } from '@takashi/schemas'
import type { Feed, Keys } from './keys.ts'
import { SENTINEL_SCHEME, writeKept, type Redis } from './redis.ts'
import { RETENTION } from './retention.ts'

// Dedupe, id assignment, append and live publish (on the symbol's channel and the feed-wide one)
// in one atomic step. The id is the stream entry id, written into the JSON so history and live
// messages carry the same bytes.
const APPEND_FEED = `
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[3]) == false then return false end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = 0
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local lms, lseq = string.match(last[1][1], '^(%d+)-(%d+)$')
  lms = tonumber(lms)
  if lms >= ms then ms = lms; seq = tonumber(lseq) + 1 end
end
local id = string.format('%.0f-%.0f', ms, seq)
local body = '{"id":"' .. id .. '",' .. string.sub(ARGV[2], 2)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id, 'r', body)
if ARGV[4] == '1' then
  redis.call('PUBLISH', KEYS[2], body)
  redis.call('PUBLISH', KEYS[4], body)
end
return id
`

/**
 * Appends an event to a public feed unless `eventId` was appended before; returns the feed id
 * or null for a duplicate. `body` is the record's JSON without its `id` (the feed assigns it).
 *
 * With Sentinels (`backboneUrl` a redis-sentinel:// string) the live publish waits until the
 * append is known to survive a failover (writeKept): live clients never get an event the new
 * master will not have, and the throw leaves the ingest entry unacknowledged, so the event is
 * appended again where it is kept.
 */
export async function appendToFeed(
  redis: Redis,
  keys: Keys,
  feed: Feed,
  event: { eventId: string; exchange: ExchangeId; symbol: string; body: string },
  backboneUrl = ''
): Promise<string | null> {
  const confirm = backboneUrl.startsWith(SENTINEL_SCHEME)
  const channel = keys.feedChannel(feed, event.exchange, event.symbol)
  const result = (await redis.eval(
    APPEND_FEED,
    4,
    keys.feed(feed),
    channel,
    keys.feedSeen(feed, event.eventId),
    keys.feedAllChannel(feed),
    String(RETENTION.feedMaxLen),
    event.body,
    String(RETENTION.feedSeenTtlMs),
    confirm ? '0' : '1'
  )) as string | null
  if (result === null) return null
  if (confirm) {
    if (!(await writeKept(redis, backboneUrl))) {
      throw new Error('feed append made on a superseded master: not kept')
    }
    const body = `{"id":"${result}",${event.body.slice(1)}`
    await redis.multi().publish(channel, body).publish(keys.feedAllChannel(feed), body).exec()
  }
  return result
}

export interface FeedEntry {
  id: string
  /** the record's JSON text, `id` included */
  body: string
}

function toEntries(raw: [string, string[]][]): FeedEntry[] {
  return raw.map(([id, fields]) => ({ id, body: fields[1] ?? '' }))
}

/** Entries after `afterId` (exclusive), oldest first, at most `count`. */
export async function readFeedAfter(
  redis: Redis,
  keys: Keys,
  feed: Feed,
  afterId: string,
  count: number
): Promise<FeedEntry[]> {
  const raw = (await redis.xrange(keys.feed(feed), `(${afterId}`, '+', 'COUNT', count)) as [
    string,
    string[],
  ][]
  return toEntries(raw)
}

/** The newest entries, newest first, at most `count`, optionally before `beforeId` (exclusive). */
export async function readFeedNewest(
  redis: Redis,
  keys: Keys,
  feed: Feed,
  count: number,
  beforeId?: string
): Promise<FeedEntry[]> {
  const end = beforeId === undefined ? '+' : `(${beforeId}`
  const raw = (await redis.xrevrange(keys.feed(feed), end, '-', 'COUNT', count)) as [
    string,
    string[],
  ][]
  return toEntries(raw)
}

/** The id of the oldest entry still held, or null for an empty feed. */
export async function oldestFeedId(redis: Redis, keys: Keys, feed: Feed): Promise<string | null> {
  const raw = (await redis.xrange(keys.feed(feed), '-', '+', 'COUNT', 1)) as [string, string[]][]
  return raw[0]?.[0] ?? null
}

/** Compares two stream ids (`ms-seq`). */
export function compareIds(a: string, b: string): number {
  const [ams = 0, aseq = 0] = a.split('-').map(Number)
  const [bms = 0, bseq = 0] = b.split('-').map(Number)
  return ams - bms || aseq - bseq
}

/** True for a well-formed stream id (`ms` or `ms-seq`). */
export function isStreamId(text: string): boolean {
  return /^\d{1,16}(-\d{1,16})?$/.test(text)
}
