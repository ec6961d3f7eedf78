import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { compareIds } from '@takashi/bus'
import {
  feedIdOf,
  isPartialResume,
  isReplayed,
  mergeResume,
  partialResumeMessage,
  runReplay,
  successorId,
  type FeedReplay,
  type ReplayItem,
} from './recovery.ts'

// Ids like the feed's: several events share a millisecond and differ by sequence.
const idAt = (i: number) => `${1_700_000_000_000 + Math.floor(i / 3)}-${i % 3}`

describe('resume rules', () => {
  test('the successor of an id is the next sequence of its millisecond', () => {
    expect(successorId('1700000000000-4')).toBe('1700000000000-5')
    expect(successorId('1700000000000')).toBe('1700000000000-1')
  })

  test('partial when the oldest entry held is past the id right after since_id', () => {
    expect(isPartialResume('100-3', '100-4')).toBe(false)
    expect(isPartialResume('100-3', '100-2')).toBe(false)
    expect(isPartialResume('100-3', '100-5')).toBe(true)
    expect(isPartialResume('100-3', '101-0')).toBe(true)
    expect(isPartialResume('100-3', null)).toBe(false)
  })

  test('the partial message, for a path stream and for a subscription', () => {
    expect(partialResumeMessage('1-0', '5-0')).toBe(
      '{"type":"resume","status":"partial","since_id":"1-0","oldest_id":"5-0"}'
    )
    expect(JSON.parse(partialResumeMessage('1-0', '5-0', 's"1'))).toEqual({
      type: 'resume',
      id: 's"1',
      status: 'partial',
      since_id: '1-0',
      oldest_id: '5-0',
    })
  })

  test('feed ids are read from the first bytes, or parsed when the id is not first', () => {
    expect(feedIdOf(Buffer.from('{"id":"17-2","exchange":"binance"}'))).toBe('17-2')
    expect(feedIdOf(Buffer.from('{"exchange":"binance","id":"17-3"}'))).toBe('17-3')
    expect(feedIdOf(Buffer.from('not json'))).toBeUndefined()
  })

  test('a live message is a late copy only up to the replayed id', () => {
    expect(isReplayed('5-1', '5-0')).toBe(true)
    expect(isReplayed('5-1', '5-1')).toBe(true)
    expect(isReplayed('5-1', '5-2')).toBe(false)
    expect(isReplayed('5-1', undefined)).toBe(false)
  })

  test('merge keeps each id after since_id once, in id order', () => {
    const e = (id: string, from: string) => ({ id, from })
    expect(
      mergeResume(
        [e('1-1', 'h'), e('1-2', 'h'), e('2-0', 'h')],
        [e('2-0', 'l'), e('3-0', 'l')],
        '1-1'
      )
    ).toEqual([e('1-2', 'h'), e('2-0', 'h'), e('3-0', 'l')])
  })

  test('property: merge output is the sorted, duplicate-free union after since_id', () => {
    const ids = fc.array(fc.nat(40), { maxLength: 30 }).map((xs) => xs.map(idAt))
    fc.assert(
      fc.property(ids, ids, fc.nat(40), (history, live, since) => {
        const sinceId = idAt(since)
        const sortedHistory = [...new Set(history)].sort(compareIds).map((id) => ({ id }))
        const out = mergeResume(
          sortedHistory,
          live.map((id) => ({ id })),
          sinceId
        ).map((e) => e.id)
        const expected = [...new Set([...history, ...live])]
          .filter((id) => compareIds(id, sinceId) > 0)
          .sort(compareIds)
        expect(out).toEqual(expected)
      })
    )
  })
})

/** What happens at one await of the replay: some events are appended, some live copies arrive. */
interface Step {
  appends: ('A' | 'B')[]
  deliveries: number
}

interface Event {
  id: string
  symbol: 'A' | 'B'
}

/**
 * An in-memory feed shared by two symbols, a subscriber to symbol A whose pub/sub copies arrive
 * with any lag, and the hub's hold/gate logic; the steps run at every await of the replay.
 */
async function simulate(input: {
  initial: ('A' | 'B')[]
  trimmedBelow: number
  since: number
  pageSize: number
  steps: Step[]
}) {
  const all: Event[] = []
  const pending: Event[] = []
  let subscribed = false
  const append = (symbol: 'A' | 'B') => {
    const event = { id: idAt(all.length), symbol }
    all.push(event)
    if (subscribed && symbol === 'A') pending.push(event)
  }
  input.initial.forEach(append)
  const oldestIndex = Math.min(input.trimmedBelow, all.length)
  const held: ReplayItem[] = []
  let holding = true
  let after: string | null = null
  const out: string[] = []
  const toItem = (e: Event): ReplayItem => ({
    id: e.id,
    payload: Buffer.from(JSON.stringify(e)),
  })
  const route = (e: Event) => {
    if (holding) return held.push(toItem(e))
    if (after !== null) {
      if (isReplayed(after, e.id)) return
      after = null
    }
    out.push(e.id)
  }
  const steps = [...input.steps]
  const runStep = (step: Step | undefined) => {
    step?.appends.forEach(append)
    for (let i = 0; i < (step?.deliveries ?? 0) && pending.length > 0; i++) route(pending.shift()!)
  }
  const tick = async () => {
    await Promise.resolve()
    runStep(steps.shift())
  }
  const kept = () => all.slice(oldestIndex)
  const replay: FeedReplay = {
    feed: 'liquidations',
    sinceId: input.since < 0 ? '0' : idAt(input.since),
    async readAfter(afterId, count) {
      await tick()
      return kept()
        .filter((e) => compareIds(e.id, afterId) > 0)
        .slice(0, count)
        .map((e) => ({ id: e.id, body: JSON.stringify(e) }))
    },
    async oldestId() {
      await tick()
      return kept()[0]?.id ?? null
    },
    async newestId() {
      await tick()
      return kept().at(-1)?.id ?? null
    },
    matches: (body) => (JSON.parse(body) as Event).symbol === 'A',
  }
  subscribed = true
  await runReplay(
    replay,
    {
      async deliver(items) {
        out.push(...items.map((item) => item.id))
        await tick()
      },
      notice: (text) => out.push(text),
      takeHeld() {
        holding = false
        return held
      },
      goLive(afterId) {
        after = afterId
      },
      active: () => true,
    },
    { pageSize: input.pageSize }
  )
  while (steps.length > 0) runStep(steps.shift())
  while (pending.length > 0) route(pending.shift()!)
  return { out, all, oldestIndex, sinceId: replay.sinceId }
}

const step = fc.record({
  appends: fc.array(fc.constantFrom<'A' | 'B'>('A', 'B'), { maxLength: 3 }),
  deliveries: fc.nat(3),
})

describe('property: resume at any point over any interleaving of history and live events', () => {
  test('no gap, no duplicate, and a partial resume is always announced first', async () => {
    const scenario = fc
      .array(fc.constantFrom<'A' | 'B'>('A', 'B'), { maxLength: 25 })
      .chain((initial) =>
        fc.record({
          initial: fc.constant(initial),
          // MAXLEN trimming never empties a feed
          trimmedBelow: fc.oneof(fc.constant(0), fc.nat(Math.max(0, initial.length - 1))),
          since: fc.integer({ min: -1, max: Math.max(-1, initial.length - 1) }),
          pageSize: fc.integer({ min: 1, max: 5 }),
          steps: fc.array(step, { maxLength: 40 }),
        })
      )
    await fc.assert(
      fc.asyncProperty(scenario, async (input) => {
        const { out, all, oldestIndex, sinceId } = await simulate(input)
        const notice = out[0]?.startsWith('{')
          ? (JSON.parse(out[0]) as Record<string, string>)
          : null
        const ids = notice ? out.slice(1) : out
        expect(ids.every((id) => !id.startsWith('{'))).toBe(true)
        // Events trimmed away after since_id: the client must be told.
        const lost = all.slice(0, oldestIndex).some((e) => compareIds(e.id, sinceId) > 0)
        if (lost) expect(notice).toMatchObject({ status: 'partial', since_id: sinceId })
        const from = notice ? notice.oldest_id! : sinceId
        const expected = all
          .filter((e) => e.symbol === 'A' && compareIds(e.id, sinceId) > 0)
          .filter((e) => (notice ? compareIds(e.id, from) >= 0 : true))
          .map((e) => e.id)
        expect(ids).toEqual(expected)
      }),
      { numRuns: 500 }
    )
  })
})
