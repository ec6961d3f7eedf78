import { describe, expect, test } from 'vitest'
import {
  driveVenue,
  listedQuantities,
  quantities,
  recorder,
  faultStackPerTest,
  until,
} from './stack.ts'

const startStack = faultStackPerTest()

describe('faults: processes are killed (spec §7)', () => {
  test('a killed aggregator, then a killed gateway: the feeds lose nothing, a resuming client misses nothing', async () => {
    const running = await startStack()
    const first = recorder(`${running.ws}/ws/liquidations`)
    await first.opened
    const venue = driveVenue(running.venue)
    await until(() => first.records.length >= 5, 10_000)

    // the aggregator crashes: events wait in the ingest streams until one runs again
    await running.aggregator.kill()
    await until(() => venue.sent().length >= first.records.length + 20, 10_000)
    running.aggregator.start()
    const restarted = Date.now()
    await until(() => running.serving(), 10_000)
    const sentAtRestart = venue.sent().length
    // every event up to the restart arrives; the few the killed one had read but not appended
    // are taken over after 5 s, so they may come after their neighbours
    await until(() => {
      const got = new Set(quantities(first.records))
      return venue
        .sent()
        .slice(0, sentAtRestart)
        .every((quantity) => got.has(quantity))
    }, 15_000)
    const got = quantities(first.records)
    expect(new Set(got).size).toBe(got.length)
    process.stdout.write(
      `faults: aggregator restarted → every event it missed in the feed ${Date.now() - restarted} ms later\n`
    )

    // the gateway crashes: its client reconnects with since_id and gets exactly the rest
    await running.gateway.kill()
    await until(() => first.closed() !== undefined, 5_000)
    const lastId = first.records.at(-1)?.id as string
    running.gateway.start()
    await until(() => running.serving(), 15_000)
    const second = recorder(`${running.ws}/ws/liquidations?since_id=${lastId}`)
    await second.opened

    // the ingestor crashes: what the venue sends while none listens is gone, the rest flows
    const beforeIngestorKill = venue.sent().length
    await until(async () => {
      const listed = new Set(await listedQuantities(running.http))
      return venue
        .sent()
        .slice(0, beforeIngestorKill)
        .every((quantity) => listed.has(quantity))
    }, 15_000)
    await running.ingestor.kill()
    running.ingestor.start()
    const ingestorBack = Date.now()
    await until(() => running.serving(), 15_000)
    await running.venue.waitForSubscriber('btcusdt@forceOrder', 10_000)
    const resubscribed = Date.now() - ingestorBack
    const afterReconnect = venue.sent().length
    await until(() => quantities(second.records).includes(venue.sent()[afterReconnect]!), 10_000)
    process.stdout.write(`faults: ingestor restarted → subscribed again in ${resubscribed} ms\n`)

    venue.stop()
    const sent = venue.sent()
    await until(async () => (await listedQuantities(running.http)).at(-1) === sent.at(-1), 10_000)
    const listed = await listedQuantities(running.http)
    // nothing twice; only the ingestor's own downtime may be missing, and nothing before it:
    // the aggregator's and the gateway's downtime cost no event
    expect(new Set(listed).size).toBe(listed.length)
    expect(listed.every((quantity) => sent.includes(quantity))).toBe(true)
    const beforeKill = new Set(sent.slice(0, beforeIngestorKill))
    expect(listed.filter((quantity) => beforeKill.has(quantity)).sort((a, b) => a - b)).toEqual(
      sent.slice(0, beforeIngestorKill)
    )
    // the client that resumed on the restarted gateway has the feed, no gap, no duplicate
    await until(() => quantities(second.records).at(-1) === listed.at(-1), 10_000)
    expect([...quantities(first.records), ...quantities(second.records)]).toEqual(listed)
  }, 120_000)
})
