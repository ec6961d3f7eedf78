import { describe, expect } from 'vitest'
import type { Keys, Redis } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import { append, largeTrade, liquidation, subscribers, type Appended } from './feed-helpers.ts'
import { perTest, type RunningGateway } from './helpers.ts'

const { cleanups, gateway, client } = perTest()

async function replicas(ctx: { redisUrl: string; keys: Keys }, count: number) {
  const started: RunningGateway[] = []
  for (let i = 0; i < count; i++) {
    started.push(await gateway(ctx))
  }
  return started
}

/** Appends liquidations (BTCUSDT and ETHUSDT in turn) back to back until stopped. */
function startAppender(redis: Redis, keys: Keys) {
  const appended: Appended[] = []
  let running = true
  const done = (async () => {
    for (let i = 0; running; i++) {
      const symbol = i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT'
      appended.push(await append(redis, keys, 'liquidations', liquidation({ symbol, quantity: i })))
    }
  })()
  const stop = async () => {
    running = false
    await done
  }
  cleanups.push(stop)
  return { appended, stop, btc: () => appended.filter((e) => e.body.includes('"BTCUSDT"')) }
}

const idOf = (message: string) => (JSON.parse(message) as { id: string }).id

describe('since_id resume across replicas (spec §5)', () => {
  redisTest(
    'a client reconnecting to another replica gets exactly what it missed, then live events',
    async ({ redis, redisUrl, keys }) => {
      const [a, , c] = await replicas({ redisUrl, keys }, 3)
      const path = '/ws/liquidations?symbols=BTCUSDT'
      const first = await client(a!, path)
      const channel = keys.feedChannel('liquidations', 'binance', 'BTCUSDT')
      await expect.poll(() => subscribers(redis, [channel])).toEqual([1])

      const appender = startAppender(redis, keys)
      await expect.poll(() => first.messages.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(20)
      first.ws.terminate()
      await first.closed
      const seen = [...first.messages]
      const lastSeen = idOf(seen.at(-1)!)
      // Miss more than one history page (500) while away.
      const missedFrom = appender.appended.length
      await expect
        .poll(() => appender.appended.length - missedFrom, { timeout: 10_000 })
        .toBeGreaterThan(1_300)

      const second = await client(c!, `${path}&since_id=${lastSeen}`)
      // Events keep coming during the resume and after it.
      const resumedAt = appender.appended.length
      await expect
        .poll(() => appender.appended.length - resumedAt, { timeout: 10_000 })
        .toBeGreaterThan(300)
      await expect.poll(() => second.messages.length, { timeout: 10_000 }).toBeGreaterThan(700)
      await appender.stop()

      const btc = appender.btc().map((e) => e.body)
      expect(seen).toEqual(btc.slice(0, seen.length))
      await expect
        .poll(() => second.messages.length, { timeout: 10_000 })
        .toBe(btc.length - seen.length)
      // Exactly the rest: no partial notice, no gap, no duplicate, in order.
      expect(second.messages).toEqual(btc.slice(seen.length))
    }
  )

  redisTest(
    'a since_id older than the history gets the partial message first',
    async ({ redis, redisUrl, keys }) => {
      const [, b] = await replicas({ redisUrl, keys }, 2)
      const events: Appended[] = []
      for (let i = 0; i < 30; i++) {
        events.push(await append(redis, keys, 'liquidations', liquidation({ quantity: i })))
      }
      await redis.xtrim(keys.feed('liquidations'), 'MAXLEN', 10)
      const sinceId = events[5]!.id
      const resumed = await client(b!, `/ws/binance/BTCUSDT/liquidations?since_id=${sinceId}`)
      await expect.poll(() => resumed.messages.length).toBe(11)
      expect(JSON.parse(resumed.messages[0]!)).toEqual({
        type: 'resume',
        status: 'partial',
        since_id: sinceId,
        oldest_id: events[20]!.id,
      })
      expect(resumed.messages.slice(1)).toEqual(events.slice(20).map((e) => e.body))

      const live = await append(redis, keys, 'liquidations', liquidation({ quantity: 99 }))
      await expect.poll(() => resumed.messages.at(-1)).toBe(live.body)
      expect(resumed.messages).toHaveLength(12)
    }
  )

  redisTest(
    'a path stream resumes with its own filter; a full resume sends records only',
    async ({ redis, redisUrl, keys }) => {
      const [a, b] = await replicas({ redisUrl, keys }, 2)
      const events: Appended[] = []
      for (let i = 0; i < 12; i++) {
        const record = largeTrade({
          value_usd: i % 2 === 0 ? 150_000 : 500_000,
          symbol: i % 3 === 0 ? 'ETHUSDT' : 'BTCUSDT',
        })
        events.push(await append(redis, keys, 'large-trades', record))
      }
      const wanted = (from: number) =>
        events
          .slice(from)
          .filter((e) => e.body.includes('"BTCUSDT"') && e.body.includes('"value_usd":500000'))
          .map((e) => e.body)
      const path = '/ws/binance/BTCUSDT/large-trades?min_value_usd=400000'
      const resumed = await client(b!, `${path}&since_id=${events[3]!.id}`)
      await expect.poll(() => resumed.messages).toEqual(wanted(4))

      // A since_id after every event: nothing to replay, live events follow.
      const ahead = await client(a!, `${path}&since_id=${events.at(-1)!.id}`)
      const later = await append(redis, keys, 'large-trades', largeTrade({ value_usd: 900_000 }))
      await expect.poll(() => ahead.messages).toEqual([later.body])
      await expect.poll(() => resumed.messages).toEqual([...wanted(4), later.body])
    }
  )
})
