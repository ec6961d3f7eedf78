import { afterEach, describe, expect, test } from 'vitest'
import { startSentinelGroup, type SentinelGroup } from '@takashi/testing'
import {
  expectAllRunning,
  expectEverySentDelivered,
  faultStackPerTest,
  flowingLiquidations,
  listedThrough,
  quantities,
  until,
} from './stack.ts'

// the stack is stopped before the Sentinel group (afterEach hooks run in reverse order)
let group: SentinelGroup | undefined
afterEach(async () => {
  await group?.stop()
  group = undefined
})
const startStack = faultStackPerTest()

describe('faults: a Sentinel failover of the Redis master (spec §7)', () => {
  test('every process follows the new master within 15 s; no liquidation is lost or repeated', async () => {
    group = await startSentinelGroup()
    const running = await startStack({
      REDIS_SENTINELS: group.sentinels,
      REDIS_SENTINEL_NAME: group.name,
    })
    const { path, mux, venue } = await flowingLiquidations(running)

    const before = await group.masterPort()
    const after = await group.failover()
    expect(after).not.toBe(before)
    const switched = Date.now()
    const sentAtSwitch = venue.sent().length
    await until(() => running.serving(), 15_000)
    const delivering = await until(() => {
      const next = venue.sent()[sentAtSwitch + 10]
      return next !== undefined && quantities(path.records).includes(next)
    }, 15_000)
    process.stdout.write(
      `faults: Sentinel failover → serving and delivering ${Date.now() - switched} ms after ` +
        `the Sentinels named the new master (${delivering} ms waiting for new events)\n`
    )

    const sent = await expectEverySentDelivered(venue, [path, mux])
    expect(await listedThrough(running.http, sent.at(-1))).toEqual(sent)
    expectAllRunning(running)
  }, 90_000)
})
