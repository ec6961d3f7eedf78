import { hostname } from 'node:os'
import { appendToFeed, type Keys, type Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import { LargeTrade, Liquidation } from '@takashi/schemas'
import { toFeedEvent, type Floors } from './feed-events.ts'
import type { AggregatorMetrics } from './metrics.ts'

const GROUP = 'aggregator'
const KINDS = ['trades', 'liquidations'] as const
type Kind = (typeof KINDS)[number]
type StreamReply = [string, [string, string[]][]][] | null

export interface FeedConsumerOptions {
  /** a blocking connection of its own (XREADGROUP BLOCK holds it) */
  redis: Redis
  /** the backbone connection string: with Sentinels an append is published once kept */
  backboneUrl?: string
  keys: Keys
  floors: Floors
  log: Logger
  metrics: AggregatorMetrics
  consumerName?: string
  batchSize?: number
  blockMs?: number
  /** entries another consumer took but did not acknowledge for this long are taken over */
  claimIdleMs?: number
}

/**
 * Moves ingested trades and liquidations into the public feeds at least once: entries are
 * acknowledged only after their append, a crashed consumer's entries are claimed by the others,
 * and the feed's dedupe makes a second delivery harmless.
 */
export function createFeedConsumer(options: FeedConsumerOptions) {
  const { redis, keys, floors, log, metrics } = options
  const consumer = options.consumerName ?? `${hostname()}-${process.pid}`
  const batchSize = options.batchSize ?? 200
  const blockMs = options.blockMs ?? 1_000
  // An entry normally waits milliseconds for its ack; one a crashed consumer held is taken over
  // after 5 s (a live but slow one that finishes too is harmless: the feed drops the copy)
  const claimIdleMs = options.claimIdleMs ?? 5_000
  let running = false
  let loop: Promise<void> | undefined
  let lastClaimAt = 0
  // false from a failed round until the next one succeeds: readiness and the up gauge read it
  let consuming = false
  const setConsuming = (up: boolean) => {
    consuming = up
    metrics.consumerUp.set(up ? 1 : 0)
  }

  async function ensureGroups(): Promise<void> {
    for (const kind of KINDS) {
      try {
        await redis.xgroup('CREATE', keys.ingest(kind), GROUP, '0', 'MKSTREAM')
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error
      }
    }
  }

  async function handle(kind: Kind, entries: [string, string[]][]): Promise<void> {
    if (entries.length === 0) return
    const schema = kind === 'trades' ? LargeTrade : Liquidation
    const appends: Promise<void>[] = []
    for (const [, fields] of entries) {
      metrics.eventsIn.inc({ kind })
      const parsed = schema.safeParse(safeJson(fields[1]))
      if (!parsed.success) {
        metrics.invalid.inc({ kind })
        continue
      }
      const event = toFeedEvent(kind, parsed.data, floors)
      if (!event) {
        metrics.belowFloor.inc({ kind })
        continue
      }
      appends.push(
        appendToFeed(redis, keys, event.feed, event, options.backboneUrl).then((id) => {
          if (id === null) metrics.duplicates.inc({ feed: event.feed })
          else metrics.eventsOut.inc({ feed: event.feed })
        })
      )
    }
    await Promise.all(appends)
    await redis.xack(keys.ingest(kind), GROUP, ...entries.map(([id]) => id))
  }

  async function claimAbandoned(): Promise<void> {
    for (const kind of KINDS) {
      const reply = (await redis.xautoclaim(
        keys.ingest(kind),
        GROUP,
        consumer,
        claimIdleMs,
        '0-0',
        'COUNT',
        batchSize
      )) as [string, [string, string[] | null][]]
      const entries = reply[1].filter((entry): entry is [string, string[]] => entry[1] !== null)
      await handle(kind, entries)
    }
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (Date.now() - lastClaimAt > claimIdleMs / 3) {
          lastClaimAt = Date.now()
          await claimAbandoned()
        }
        const reply = (await redis.xreadgroup(
          'GROUP',
          GROUP,
          consumer,
          'COUNT',
          batchSize,
          'BLOCK',
          blockMs,
          'STREAMS',
          ...KINDS.map((kind) => keys.ingest(kind)),
          '>',
          '>'
        )) as StreamReply
        for (const [stream, entries] of reply ?? []) {
          await handle(stream === keys.ingest('trades') ? 'trades' : 'liquidations', entries)
        }
        setConsuming(true)
      } catch (error) {
        if (!running) break
        setConsuming(false)
        // Redis came back empty (a restart without persistence, a failover to a fresh replica):
        // the group is gone with the streams. Re-create it at once; from 0, so nothing the
        // ingestors wrote meanwhile is skipped.
        if (String(error).includes('NOGROUP')) {
          log.warn('consumer group missing (Redis lost its data), re-creating it')
          await ensureGroups().catch((err: unknown) => log.warn({ err }, 're-creating failed'))
          continue
        }
        log.error({ err: error }, 'feed consumer failed, retrying')
        await new Promise((resolve) => setTimeout(resolve, 1_000))
      }
    }
  }

  return {
    async start(): Promise<void> {
      await ensureGroups()
      setConsuming(true)
      running = true
      loop = run()
    },
    /** True while reads succeed: an aggregator that cannot consume is not ready. */
    consuming: () => consuming,
    /** Ends the loop; a read stuck on an unreachable Redis is abandoned after one block time. */
    async stop(): Promise<void> {
      running = false
      let timer: NodeJS.Timeout | undefined
      const abandon = new Promise<void>((resolve) => (timer = setTimeout(resolve, blockMs + 1_000)))
      await Promise.race([loop, abandon])
      clearTimeout(timer)
    },
    async updateLag(): Promise<void> {
      for (const kind of KINDS) {
        const groups = (await redis.xinfo('GROUPS', keys.ingest(kind))) as unknown[][]
        const info = groups.map(pairsToObject).find((group) => group.name === GROUP)
        if (info && typeof info.lag === 'number') metrics.consumerLag.set({ kind }, info.lag)
      }
    },
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '')
  } catch {
    return undefined
  }
}

function pairsToObject(pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = pairs[i + 1]
  return out
}
