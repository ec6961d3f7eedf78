import type { WebSocket } from 'ws'
import { compareIds, type Redis } from '@takashi/bus'
import type { Logger } from '@takashi/observability'
import type { GatewayMetrics, StreamKind } from '../metrics.ts'
import { closeWithin } from './close.ts'
import { dataEnvelope } from './envelope.ts'
import { frameText, whenDrained, writeFrames } from './frames.ts'
import { isSuperseded } from './initial.ts'
import {
  EMPTY_FEED_CURSOR,
  feedIdOf,
  isReplayed,
  runReplay,
  type ReplayItem,
  type ReplayTarget,
} from './recovery.ts'
import type { RecordOf, StreamPlan } from './streams.ts'
import { createSubscriptions } from './subscriptions.ts'

export interface HubOptions {
  /** a dedicated connection in subscriber mode (one per replica) */
  subscriber: Redis
  log: Logger
  metrics: GatewayMetrics
  /** a client with more than this many bytes buffered, queued or held is closed with 1013 */
  maxBufferedBytes?: number
  /** time a slow client gets to take its close frame before it is terminated */
  slowCloseGraceMs?: number
  pingIntervalMs?: number
  /** time a client gets to answer the 1001 close of a stopping gateway before it is terminated */
  shutdownGraceMs?: number
}

interface Held {
  payload: Buffer
  frame: Buffer
}

interface Client {
  ws: WebSocket
  kind: StreamKind
  queue: Buffer[]
  queuedBytes: number
  /** bytes of live frames held back by subscriptions that are still starting */
  heldBytes: number
  alive: boolean
  gone: boolean
  subs: Map<string | null, Sub>
}

/** One stream of one client: the whole connection (id null) or a multiplexed subscription. */
interface Sub {
  client: Client
  id: string | null
  plan: StreamPlan
  /** the subscribe ack not sent yet: it goes before the first data, or before an unsubscribe's */
  ack: string | undefined
  /** live frames held back until the initial value or the replayed history is sent */
  held: Held[] | null
  /** after a replay: live messages up to this id were already read from history */
  after: string | null
  /**
   * Event streams: the newest feed id sent to the client, or known to precede its subscription;
   * null while unknown. Undefined for other streams.
   */
  cursor: string | null | undefined
  /** the Redis subscription was lost since this stream last caught up */
  recover: boolean
  /** start and recoveries, one after the other */
  chain: Promise<void>
  removed: boolean
}

/** A client as the hub serves it: one path stream, or many multiplexed subscriptions. */
export interface HubConnection {
  /** Starts `plan` (id null: a path stream); resolves once its first messages are queued. */
  subscribe(plan: StreamPlan, id: string | null, ack?: string): Promise<void>
  unsubscribe(id: string): boolean
  has(id: string): boolean
  readonly subscriptions: number
  /** Queues a control message, in order with data. */
  send(text: string): void
}

export type Hub = ReturnType<typeof createHub>

/**
 * Local subscriptions of one replica: SUBSCRIBEs a channel when its first local client needs it
 * and UNSUBSCRIBEs after the last leaves (batched per tick); frames each message once (once per
 * subscription id for multiplexed clients), queues it per client and flushes once per
 * event-loop turn with one socket write per client.
 */
export function createHub(options: HubOptions) {
  const { subscriber, log, metrics } = options
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024
  const graceMs = options.slowCloseGraceMs ?? 1_000
  const shutdownGraceMs = options.shutdownGraceMs ?? 2_000
  const channels = createSubscriptions<Sub>({
    subscriber,
    log,
    metrics,
    onLost: () => onLost(),
    onRestored: () => onRestored(),
  })
  const clients = new Set<Client>()
  const dirty = new Set<Client>()
  let flushScheduled = false

  subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => route(channel, payload))

  function route(channelBuf: Buffer, payload: Buffer): void {
    const subs = channels.get(channelBuf.toString())
    if (!subs) return
    let plain: Buffer | undefined
    let wrapped: Map<string, Buffer> | undefined
    let parsed: unknown
    let isParsed = false
    const record: RecordOf = () => {
      if (!isParsed) {
        isParsed = true
        try {
          parsed = JSON.parse(payload.toString())
        } catch {
          parsed = null
        }
      }
      return parsed
    }
    let eventId: string | undefined
    for (const sub of subs) {
      const isEvent = sub.cursor !== undefined
      if (isEvent || sub.after !== null) eventId ??= feedIdOf(payload) ?? ''
      if (sub.plan.filter && !sub.plan.filter(record)) {
        // Passed over in order: a recovery need not read it again.
        if (isEvent && !sub.held) advance(sub, eventId)
        continue
      }
      if (sub.after !== null) {
        if (isReplayed(sub.after, eventId ?? '')) continue
        sub.after = null // ids arrive in order: later messages are all new
      }
      let frame: Buffer
      if (sub.id === null) {
        frame = plain ??= frameText(payload)
      } else {
        wrapped ??= new Map()
        frame = wrapped.get(sub.id) ?? frameText(dataEnvelope(sub.id, payload))
        wrapped.set(sub.id, frame)
      }
      if (sub.held) hold(sub, { payload, frame })
      else send(sub, frame, eventId)
    }
  }

  /** Moves an event stream's cursor forward to `id` (never back). */
  function advance(sub: Sub, id: string | undefined): void {
    if (sub.cursor === undefined || id === undefined || id === '') return
    if (sub.cursor === null || compareIds(id, sub.cursor) > 0) sub.cursor = id
  }

  /** Queues a data frame of `sub`; `id` is its feed id for event streams. */
  function send(sub: Sub, frame: Buffer, id?: string): void {
    enqueue(sub.client, frame)
    advance(sub, id)
  }

  function frameOf(sub: Sub, payload: Buffer): Buffer {
    return frameText(sub.id === null ? payload : dataEnvelope(sub.id, payload))
  }

  function overCap(client: Client, extra: number): boolean {
    return client.ws.bufferedAmount + client.queuedBytes + client.heldBytes + extra > maxBuffered
  }

  function hold(sub: Sub, held: Held): void {
    sub.held?.push(held)
    sub.client.heldBytes += held.frame.length
    if (overCap(sub.client, 0)) disconnectSlow(sub.client)
  }

  /** Takes the held live messages; holding goes on while a recovery is still due. */
  function takeHeld(sub: Sub): Held[] {
    const held = sub.held ?? []
    sub.held = sub.recover ? [] : null
    for (const item of held) sub.client.heldBytes -= item.frame.length
    return held
  }

  function enqueue(client: Client, frame: Buffer): void {
    if (client.gone) return
    if (overCap(client, frame.length)) {
      disconnectSlow(client)
      return
    }
    client.queue.push(frame)
    client.queuedBytes += frame.length
    dirty.add(client)
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }

  function flush(): void {
    flushScheduled = false
    const sent = new Map<StreamKind, number>()
    for (const client of dirty) {
      if (!client.gone && writeFrames(client.ws, client.queue)) {
        sent.set(client.kind, (sent.get(client.kind) ?? 0) + client.queue.length)
      }
      client.queue = []
      client.queuedBytes = 0
    }
    dirty.clear()
    for (const [stream, count] of sent) metrics.wsMessagesSent.inc({ stream }, count)
  }

  /** Resolves once the flush ran and the client's socket is at most half full. */
  async function drained(client: Client): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    if (!client.gone) await whenDrained(client.ws, maxBuffered / 2)
  }

  function disconnectSlow(client: Client): void {
    if (client.gone) return
    metrics.wsSlowDisconnects.inc()
    log.info({ stream: client.kind, buffered: client.ws.bufferedAmount }, 'slow ws client closed')
    detach(client)
    void closeWithin(client.ws, 1013, 'client too slow', graceMs)
  }

  function removeSub(sub: Sub): void {
    if (sub.removed) return
    sub.removed = true
    takeHeld(sub)
    sub.client.subs.delete(sub.id)
    for (const channel of sub.plan.channels) channels.remove(channel, sub)
  }

  function detach(client: Client): void {
    if (client.gone) return
    client.gone = true
    clients.delete(client)
    dirty.delete(client)
    client.queue = []
    for (const sub of [...client.subs.values()]) removeSub(sub)
    metrics.wsClients.dec({ stream: client.kind })
  }

  const active = (sub: Sub) => !sub.removed && !sub.client.gone

  function sendAck(sub: Sub): void {
    if (sub.ack === undefined) return
    enqueue(sub.client, frameText(Buffer.from(sub.ack)))
    sub.ack = undefined
  }

  async function start(sub: Sub): Promise<void> {
    const { plan } = sub
    try {
      // Subscribe first, then read: the live messages held meanwhile are not lost.
      await Promise.all(plan.channels.map(channels.whenSubscribed))
    } catch (err) {
      log.warn({ err, stream: plan.kind }, 'redis subscribe failed')
    }
    if (!active(sub)) return
    sendAck(sub)
    if (plan.sinceId !== undefined) return replayAfter(sub, plan.sinceId)
    if (plan.events) {
      // Where the client joined the feed: a recovery replays from here at the earliest.
      try {
        advance(sub, (await plan.events.newestId()) ?? EMPTY_FEED_CURSOR)
      } catch (err) {
        log.warn({ err, stream: plan.kind }, 'feed position read failed')
      }
      if (!active(sub)) return
      for (const item of takeHeld(sub)) send(sub, item.frame, feedIdOf(item.payload))
      return
    }
    await sendInitial(sub)
  }

  /** Latest-value streams: the cached value, then the live messages it does not reflect. */
  async function sendInitial(sub: Sub): Promise<void> {
    let initial: string | null = null
    try {
      initial = (await sub.plan.initial?.()) ?? null
    } catch (err) {
      // Nothing to send then; live messages follow.
      log.warn({ err, stream: sub.plan.kind }, 'initial value read failed')
    }
    if (!active(sub)) return
    const held = takeHeld(sub)
    if (initial !== null) send(sub, frameOf(sub, Buffer.from(initial)))
    for (const item of held) {
      if (initial === null || !isSuperseded(item.payload, initial)) send(sub, item.frame)
    }
  }

  function replayTarget(sub: Sub): ReplayTarget {
    return {
      async deliver(items: readonly ReplayItem[]) {
        if (!active(sub)) return
        for (const item of items) send(sub, item.frame ?? frameOf(sub, item.payload), item.id)
        await drained(sub.client)
      },
      notice: (text) => enqueue(sub.client, frameText(Buffer.from(text))),
      // Every feed message carries its id; one without could not be ordered, so it is dropped.
      takeHeld: () =>
        takeHeld(sub).flatMap((item) => {
          const id = feedIdOf(item.payload)
          return id === undefined ? [] : [{ id, ...item }]
        }),
      goLive(afterId) {
        sub.after = afterId
      },
      active: () => active(sub),
    }
  }

  /** Sends the feed after `sinceId`, merged with the live messages held meanwhile. */
  function replayAfter(sub: Sub, sinceId: string): Promise<void> {
    const events = sub.plan.events
    if (!events) return Promise.resolve()
    return runReplay(events.after(sinceId), replayTarget(sub), {
      ...(sub.id === null ? {} : { subscription: sub.id }),
      // the notice is a control message: a path stream that never asked for since_id promised
      // records only (spec §5), so it gets none; /ws subscriptions and since_id clients do
      notifyPartial:
        sinceId !== EMPTY_FEED_CURSOR && (sub.id !== null || sub.plan.sinceId !== undefined),
    })
  }

  /**
   * Fills what the lost Redis subscription missed: event streams replay their feed after the
   * last id sent, latest-value streams send the current value again. Retries while Redis is
   * still coming back; a later loss chains a new recovery instead.
   */
  async function recover(sub: Sub): Promise<void> {
    if (!active(sub) || !sub.recover) return
    sub.recover = false
    for (let attempt = 1; active(sub) && !sub.recover; attempt++) {
      try {
        if (sub.cursor === undefined) await sendInitial(sub)
        else if (sub.cursor !== null) await replayAfter(sub, sub.cursor)
        else for (const item of takeHeld(sub)) send(sub, item.frame, feedIdOf(item.payload))
        return
      } catch (err) {
        log.warn({ err, stream: sub.plan.kind, attempt }, 'ws stream recovery failed, retrying')
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 250, 2_000)))
      }
    }
  }

  function onLost(): void {
    // Hold live messages from now on: they are merged with what the recovery reads.
    for (const client of clients) {
      for (const sub of client.subs.values()) {
        if (sub.plan.initial === undefined && sub.cursor === undefined) continue
        sub.recover = true
        sub.held ??= []
      }
    }
  }

  function onRestored(): void {
    for (const client of clients) {
      for (const sub of client.subs.values()) {
        if (!sub.recover) continue
        sub.chain = sub.chain
          .then(() => recover(sub))
          .catch((err: unknown) => {
            log.warn({ err, stream: sub.plan.kind }, 'ws stream recovery failed')
          })
      }
    }
  }

  const pingTimer = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        detach(client)
        client.ws.terminate()
        continue
      }
      client.alive = false
      client.ws.ping()
    }
  }, options.pingIntervalMs ?? 25_000)

  let closing = false

  function connect(ws: WebSocket, kind: StreamKind): HubConnection {
    const client: Client = {
      ws,
      kind,
      queue: [],
      queuedBytes: 0,
      heldBytes: 0,
      alive: true,
      gone: closing,
      subs: new Map(),
    }
    if (closing) {
      // An upgrade that completed while the gateway stops: closed like the others.
      void closeWithin(ws, 1001, 'server shutting down', shutdownGraceMs)
    } else {
      clients.add(client)
      metrics.wsClients.inc({ stream: kind })
      ws.on('pong', () => {
        client.alive = true
      })
      ws.once('close', () => detach(client))
    }
    return {
      async subscribe(plan, id, ack) {
        if (client.gone || client.subs.has(id)) return
        // Held until the channels are subscribed: an ack, initial value or feed position first.
        const holds = plan.initial !== undefined || plan.events !== undefined || ack !== undefined
        const sub: Sub = {
          client,
          id,
          plan,
          ack,
          held: holds ? [] : null,
          after: null,
          cursor: plan.events ? null : undefined,
          recover: false,
          chain: Promise.resolve(),
          removed: false,
        }
        client.subs.set(id, sub)
        for (const channel of plan.channels) channels.add(channel, sub)
        if (!holds) return
        sub.chain = start(sub)
        try {
          await sub.chain
        } catch (err) {
          removeSub(sub)
          throw err
        }
      },
      unsubscribe(id) {
        const sub = client.subs.get(id)
        if (sub) {
          // a subscription still starting is acked first: every request gets its answer
          sendAck(sub)
          removeSub(sub)
        }
        return sub !== undefined
      },
      has: (id) => client.subs.has(id),
      get subscriptions() {
        return client.subs.size
      },
      send: (text) => enqueue(client, frameText(Buffer.from(text))),
    }
  }

  return {
    connect,

    /** Starts streaming `plan` to an open client; resolves after its first messages are queued. */
    attach(ws: WebSocket, plan: StreamPlan): Promise<void> {
      return connect(ws, plan.kind).subscribe(plan, null)
    },

    get size(): number {
      return clients.size
    },

    /**
     * Closes every client with 1001 (going away) and stops pinging; resolves once all are
     * closed, terminating those that do not answer the close within the shutdown grace.
     */
    async close(): Promise<void> {
      closing = true
      clearInterval(pingTimer)
      const closed = [...clients].map((client) => {
        detach(client)
        return closeWithin(client.ws, 1001, 'server shutting down', shutdownGraceMs)
      })
      await Promise.all(closed)
    },
  }
}
