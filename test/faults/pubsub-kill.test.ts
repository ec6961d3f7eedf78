import { describe, expect, test } from 'vitest'
import {
  ask,
  expectEverySentDelivered,
  faultStackPerTest,
  flowingLiquidations,
  listedThrough,
  quantities,
  until,
} from './stack.ts'

const startStack = faultStackPerTest()

describe('faults: the subscriptions to Redis are cut (spec §7)', () => {
  test('CLIENT KILL TYPE pubsub: event streams miss nothing and repeat nothing', async () => {
    const running = await startStack()
    const { path, mux, venue } = await flowingLiquidations(running)

    // every subscriber connection of every process, twice, while events flow
    for (let cut = 0; cut < 2; cut++) {
      const killed = await ask(running.redis!.port, (redis) =>
        redis.client('KILL', 'TYPE', 'pubsub')
      )
      expect(Number(killed)).toBeGreaterThan(0)
      const sentAtCut = venue.sent().length
      const back = await until(() => {
        const next = venue.sent()[sentAtCut + 5]
        return next !== undefined && quantities(path.records).includes(next)
      }, 10_000)
      process.stdout.write(`faults: pub/sub cut → live again within ${back} ms\n`)
    }

    const sent = await expectEverySentDelivered(venue, [path, mux])
    const ids = path.records.map((record) => record.id as string)
    expect(new Set(ids).size).toBe(ids.length)
    expect(await listedThrough(running.http, sent.at(-1))).toEqual(sent)
    expect([path.closed(), mux.closed()]).toEqual([undefined, undefined])
  }, 90_000)
})
