import {
  compareIds,
  oldestFeedId,
  readFeedAfter,
  readFeedNewest,
  type Feed,
  type FeedEntry,
  type Keys,
  type Redis,
} from '@takashi/bus'

// since_id resume: buffer live, read history after the id, merge by id without duplicates, go
// live. The merge and the partial-resume rule are pure; the I/O around them is thin.

/** Something with a feed id (a history entry or a held live message). */
export interface WithId {
  id: string
}

/**
 * History (oldest first) and live messages held meanwhile (arrival order) → every entry after
 * `sinceId` once, in id order. An id seen in both is kept from history.
 */
export function mergeResume<T extends WithId>(
  history: readonly T[],
  live: readonly T[],
  sinceId: string
): T[] {
  const byId = new Map<string, T>()
  for (const entry of [...history, ...live]) {
    if (compareIds(entry.id, sinceId) > 0 && !byId.has(entry.id)) byId.set(entry.id, entry)
  }
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id))
}

/** The smallest id after `id` (`ms` alone means `ms-0`, as in XRANGE). */
export function successorId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-')
  return `${ms}-${BigInt(seq) + 1n}`
}

/**
 * True when events after `sinceId` may have been trimmed: the oldest entry still held is newer
 * than the id right after `sinceId`. Conservative: it may say partial when nothing was lost
 * in between, never the reverse. An empty feed holds nothing to resume from.
 */
export function isPartialResume(sinceId: string, oldestId: string | null): boolean {
  return oldestId !== null && compareIds(oldestId, successorId(sinceId)) > 0
}

/** The message a client receives first when its resume cannot be complete. */
export function partialResumeMessage(
  sinceId: string,
  oldestId: string,
  subscription?: string
): string {
  const id = subscription === undefined ? '' : `"id":${JSON.stringify(subscription)},`
  return `{"type":"resume",${id}"status":"partial","since_id":${JSON.stringify(sinceId)},"oldest_id":${JSON.stringify(oldestId)}}`
}

const ID_PREFIX = Buffer.from('{"id":"')

/** The feed id of a feed message, read from its first bytes (the feed writes `id` first). */
export function feedIdOf(payload: Buffer): string | undefined {
  if (payload.subarray(0, ID_PREFIX.length).equals(ID_PREFIX)) {
    const end = payload.indexOf(0x22, ID_PREFIX.length) // closing quote
    if (end > 0) return payload.toString('latin1', ID_PREFIX.length, end)
  }
  try {
    const id = (JSON.parse(payload.toString()) as { id?: unknown } | null)?.id
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * After a replay went live: true for a live message whose id is at or before `after` (it was
 * read from history already; its pub/sub copy only arrived late). Unknown ids are kept.
 */
export function isReplayed(after: string, id: string | undefined): boolean {
  return id !== undefined && id !== '' && compareIds(id, after) <= 0
}

/** What a resumable stream needs to replay its feed after `sinceId`. */
export interface FeedReplay {
  feed: Feed
  sinceId: string
  /** entries after `afterId` (exclusive), oldest first */
  readAfter(afterId: string, count: number): Promise<FeedEntry[]>
  oldestId(): Promise<string | null>
  newestId(): Promise<string | null>
  /** the stream's whole filter (exchange, symbol, value…): the feed is shared by all markets */
  matches(body: string): boolean
}

/** An event stream's feed: replays after any id, and the newest id held. */
export interface FeedSource {
  after(sinceId: string): FeedReplay
  newestId(): Promise<string | null>
}

export function createFeedSource(deps: {
  redis: Redis
  keys: Keys
  feed: Feed
  matches: (record: unknown) => boolean
}): FeedSource {
  const { redis, keys, feed, matches } = deps
  const newestId = async () => (await readFeedNewest(redis, keys, feed, 1))[0]?.id ?? null
  return {
    newestId,
    after: (sinceId) => ({
      feed,
      sinceId,
      readAfter: (afterId, count) => readFeedAfter(redis, keys, feed, afterId, count),
      oldestId: () => oldestFeedId(redis, keys, feed),
      newestId,
      matches(body) {
        try {
          return matches(JSON.parse(body))
        } catch {
          return false
        }
      },
    }),
  }
}

/**
 * The cursor of a client that subscribed while the feed was empty: every entry that appears
 * later is new to it, and a trimmed feed then means nothing to it.
 */
export const EMPTY_FEED_CURSOR = '0-0'

export interface ReplayItem extends WithId {
  payload: Buffer
  /** the prepared frame, for held live messages */
  frame?: Buffer
}

/** How the replay reaches one subscription of the hub. */
export interface ReplayTarget {
  /** queues items for the client; resolves when it can take more */
  deliver(items: readonly ReplayItem[]): Promise<void>
  /** queues a control message (the partial-resume notice) */
  notice(text: string): void
  /** takes the live messages held so far; later ones are sent as they come */
  takeHeld(): ReplayItem[]
  /** live messages up to `afterId` were read or sent already: drop their late copies */
  goLive(afterId: string): void
  /** false once the client left or unsubscribed */
  active(): boolean
}

export const REPLAY_PAGE = 500

/**
 * Replays `replay.feed` after its since_id into `target`, then makes it live. Call it once the
 * stream's channels are subscribed (live messages are held from then on). Pages of history are
 * delivered as the client takes them; the last page is merged with the held live messages.
 */
export async function runReplay(
  replay: FeedReplay,
  target: ReplayTarget,
  options: { subscription?: string; pageSize?: number; notifyPartial?: boolean } = {}
): Promise<void> {
  const pageSize = options.pageSize ?? REPLAY_PAGE
  // Entries after this one arrive live (the channels were subscribed before it was read).
  const upper = await replay.newestId()
  let cursor = replay.sinceId
  for (let first = true; ; first = false) {
    const page = await replay.readAfter(cursor, pageSize)
    if (first) {
      // Read after the first page: had the feed been trimmed past since_id before that read,
      // the oldest id read now shows it.
      const oldest = await replay.oldestId()
      const notify = options.notifyPartial ?? true
      if (notify && isPartialResume(replay.sinceId, oldest) && target.active()) {
        target.notice(partialResumeMessage(replay.sinceId, oldest ?? '', options.subscription))
      }
    }
    if (!target.active()) return
    const items: ReplayItem[] = page
      .filter((entry) => replay.matches(entry.body))
      .map((entry) => ({ id: entry.id, payload: Buffer.from(entry.body) }))
    const last = page.at(-1)?.id
    const done =
      page.length < pageSize || upper === null || last === undefined || compareIds(last, upper) >= 0
    if (done) {
      const readUpTo = last ?? cursor
      const merged = mergeResume(items, target.takeHeld(), cursor)
      const newest = merged.at(-1)?.id
      // A pub/sub copy of an entry read from history may still be on its way: drop it then.
      target.goLive(newest !== undefined && compareIds(newest, readUpTo) > 0 ? newest : readUpTo)
      await target.deliver(merged)
      return
    }
    await target.deliver(mergeResume(items, [], cursor))
    cursor = last
  }
}
