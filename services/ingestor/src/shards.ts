import type { ConnectionSpec, StreamSpec, VenueLimits } from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import type { Connection } from './connection.ts'
import type { IngestorMetrics } from './metrics.ts'

export interface ShardsDeps {
  limits: VenueLimits
  /** builds the connection loop of one spec (not started), opening sockets through `connectGate` */
  create(spec: ConnectionSpec, connectGate: () => number): Connection
  metrics: IngestorMetrics
  log: Logger
  /** least time between opening two sockets; default the venue's */
  connectSpacingMs?: number
}

/** What moved when a new plan was applied (for logs and tests). */
export interface ShardChange {
  added: number
  removed: number
  opened: string[]
  closed: string[]
  /** streams wanted but left out: the venue's socket limit is reached */
  unplaced: number
}

interface Shard {
  connection: Connection
  spec: ConnectionSpec
}

const familyOf = (spec: ConnectionSpec) => spec.family ?? spec.id

/**
 * The exchange's connections, sharded within the venue's limits. The first plan is taken as
 * the adapter laid it out; later plans move only what changed: a stream gone is unsubscribed
 * from the socket carrying it, a new one is subscribed on a socket of its family with room, or
 * a new socket is opened. A socket that drops resubscribes its own share only.
 */
export function createShards(deps: ShardsDeps) {
  const { limits, metrics } = deps
  const log = deps.log.child({ component: 'shards' })
  const spacingMs = deps.connectSpacingMs ?? limits.connectSpacingMs
  const shards = new Map<string, Shard>()
  let started = false
  // the earliest time the next socket of this venue may be opened
  let nextOpenAt = 0

  /** Every socket opening of the venue, first or again, takes the next slot `spacingMs` apart. */
  function connectGate(): number {
    const now = Date.now()
    const at = Math.max(now, nextOpenAt)
    nextOpenAt = at + spacingMs
    return at - now
  }

  function open(spec: ConnectionSpec): Shard {
    const shard = { connection: deps.create(spec, connectGate), spec }
    shards.set(spec.id, shard)
    metrics.reconnects.inc({ exchange: metrics.exchange, connection: spec.id }, 0)
    metrics.connected.set({ exchange: metrics.exchange, connection: spec.id }, 0)
    if (started) shard.connection.start()
    return shard
  }

  /** OKX's sockets are `public`, `public-1`…; the others' `ws-0`, `ws-1`… */
  function nextId(family: string, template: ConnectionSpec): string {
    const named = template.id === family
    for (let index = 0; ; index++) {
      const id = named && index === 0 ? family : `${family}-${index}`
      if (!shards.has(id)) return id
    }
  }

  function totalStreams(): number {
    let total = 0
    for (const { connection } of shards.values()) total += connection.streams().length
    return total
  }

  /** Adopts the adapter's layout as it is (the first plan). */
  function adopt(specs: readonly ConnectionSpec[]): ShardChange {
    for (const spec of specs.slice(0, limits.maxConnections)) open(spec)
    const unplaced = specs
      .slice(limits.maxConnections)
      .reduce((sum, spec) => sum + spec.streams.length, 0)
    return {
      added: specs.reduce((sum, spec) => sum + spec.streams.length, 0) - unplaced,
      removed: 0,
      opened: [...shards.keys()],
      closed: [],
      unplaced,
    }
  }

  /** Moves what differs between the connections' shares and `specs`. */
  function move(specs: readonly ConnectionSpec[]): ShardChange {
    const wanted = new Map<string, { template: ConnectionSpec; streams: StreamSpec[] }>()
    for (const spec of specs) {
      const family = familyOf(spec)
      const entry = wanted.get(family) ?? { template: spec, streams: [] }
      entry.streams.push(...spec.streams)
      wanted.set(family, entry)
    }
    const change: ShardChange = { added: 0, removed: 0, opened: [], closed: [], unplaced: 0 }

    // take off what is no longer wanted; a socket left with nothing is closed
    const held = new Map<string, Set<string>>()
    for (const [id, shard] of [...shards]) {
      const family = familyOf(shard.spec)
      const keep = new Set((wanted.get(family)?.streams ?? []).map((stream) => stream.name))
      const gone = shard.connection
        .streams()
        .filter((stream) => !keep.has(stream.name))
        .map((stream) => stream.name)
      if (gone.length > 0) {
        change.removed += gone.length
        if (gone.length === shard.connection.streams().length) {
          shards.delete(id)
          change.closed.push(id)
          void shard.connection.stop()
          continue
        }
        shard.connection.update({ remove: gone })
      }
      const names = held.get(family) ?? new Set<string>()
      for (const stream of shard.connection.streams()) names.add(stream.name)
      held.set(family, names)
    }

    // place what is new: on a socket of its family with room, else on a new socket
    for (const [family, { template, streams }] of wanted) {
      const have = held.get(family) ?? new Set<string>()
      const fresh = streams.filter((stream) => !have.has(stream.name))
      if (fresh.length === 0) continue
      const room = (shard: Shard) =>
        (shard.spec.control?.maxStreams ?? Infinity) - shard.connection.streams().length
      const siblings = [...shards.values()].filter((shard) => familyOf(shard.spec) === family)
      const additions = new Map<Shard, StreamSpec[]>()
      let rest = fresh
      for (const shard of siblings) {
        if (rest.length === 0) break
        const take = Math.max(0, Math.min(room(shard), rest.length))
        if (take === 0 || shard.spec.control === undefined) continue
        additions.set(shard, rest.slice(0, take))
        rest = rest.slice(take)
      }
      for (const [shard, add] of additions) {
        shard.connection.update({ add })
        change.added += add.length
      }
      const perSocket = template.control?.maxStreams ?? Math.max(1, template.streams.length)
      while (rest.length > 0) {
        const ipCap = limits.maxStreams ?? Infinity
        if (shards.size >= limits.maxConnections || totalStreams() >= ipCap) break
        const share = rest.slice(0, Math.min(perSocket, ipCap - totalStreams()))
        rest = rest.slice(share.length)
        const id = nextId(family, template)
        const control = template.control
        const spec: ConnectionSpec = {
          ...template,
          id,
          family,
          streams: share,
          url: control ? control.url(share) : template.url,
          subscribe: control ? control.subscribe(share) : template.subscribe,
        }
        open(spec)
        change.opened.push(id)
        change.added += share.length
      }
      change.unplaced += rest.length
    }
    return change
  }

  return {
    /** Takes the adapter's plan for the current universe; returns what moved. */
    apply(specs: readonly ConnectionSpec[]): ShardChange {
      const change = shards.size === 0 ? adopt(specs) : move(specs)
      metrics.streamsDropped.set({ exchange: metrics.exchange }, change.unplaced)
      if (change.unplaced > 0) {
        log.warn(
          { unplaced: change.unplaced, max_connections: limits.maxConnections },
          'venue socket limit reached, some streams are not subscribed'
        )
      }
      if (change.added + change.removed > 0) {
        log.info(
          {
            added: change.added,
            removed: change.removed,
            opened: change.opened,
            closed: change.closed,
            connections: shards.size,
          },
          'streams resharded'
        )
      }
      return change
    },
    /** Opens every connection, `spacingMs` apart (venues limit new sockets per IP). */
    start(): void {
      if (started) return
      started = true
      for (const { connection } of shards.values()) connection.start()
    },
    connections: (): Connection[] => [...shards.values()].map((shard) => shard.connection),
    async stop(): Promise<void> {
      started = false
      await Promise.all([...shards.values()].map((shard) => shard.connection.stop()))
    },
  }
}
