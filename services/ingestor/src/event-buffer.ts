export interface EventBufferLimits {
  /** most events held; a new event beyond it is dropped */
  capacity: number
  /** events held longer than this are dropped before the next write */
  maxAgeMs: number
}

/** The contract: at least 30 s of an outage or 10,000 events, whichever comes first. */
export const DEFAULT_EVENT_BUFFER_LIMITS: EventBufferLimits = {
  capacity: 10_000,
  maxAgeMs: 5 * 60_000,
}

/**
 * A bounded FIFO of events waiting for Redis. Pure: the caller passes the clock. The head is only
 * changed by `expire` and `ack`, which the single writer calls between its writes, so the batch
 * it has in flight is never dropped under it; overflow drops the newest event instead.
 */
export function createEventBuffer<T>(limits: EventBufferLimits = DEFAULT_EVENT_BUFFER_LIMITS) {
  let items: { at: number; item: T }[] = []
  let head = 0

  function compact(): void {
    // drop consumed slots once they are the larger part, so memory follows the live size
    if (head > 1_024 && head * 2 > items.length) {
      items = items.slice(head)
      head = 0
    }
  }

  return {
    get size(): number {
      return items.length - head
    },
    /** queues an event; false when the buffer is full and the event was dropped */
    push(item: T, now: number): boolean {
      if (items.length - head >= limits.capacity) return false
      items.push({ at: now, item })
      return true
    },
    /** the oldest `count` events, oldest first, without removing them */
    peek(count: number): T[] {
      return items.slice(head, head + count).map((entry) => entry.item)
    },
    /** removes the oldest `count` events (the ones just written) */
    ack(count: number): void {
      head = Math.min(items.length, head + count)
      compact()
    },
    /** drops events older than `maxAgeMs`; returns how many */
    expire(now: number): number {
      const start = head
      while (head < items.length && now - (items[head]?.at ?? now) > limits.maxAgeMs) head++
      const dropped = head - start
      compact()
      return dropped
    },
  }
}

export type EventBuffer<T> = ReturnType<typeof createEventBuffer<T>>
