import { describe, expect, test } from 'vitest'
import {
  expectAllRunning,
  expectEverySentDelivered,
  faultStackPerTest,
  flowingLiquidations,
  listedQuantities,
  listedThrough,
  quantities,
  until,
} from './stack.ts'

const startStack = faultStackPerTest()

describe('faults: Redis goes away for 15 s and comes back empty (spec §7)', () => {
  test('every process heals within 10 s; no liquidation is lost or repeated; candles have no hole', async () => {
    const running = await startStack()
    const { path, mux, venue } = await flowingLiquidations(running)

    await running.redis!.shutdown()
    const down = Date.now()
    const sentBeforeFault = venue.sent().length
    // readiness tells the truth while Redis is away
    await until(async () => !(await running.serving()), 10_000)
    // the fault lasts 15 s: this wait is the outage itself, not a wait for a result
    await new Promise((resolve) => setTimeout(resolve, 15_000 - (Date.now() - down)))
    await running.redis!.restart()
    const sentAtReturn = venue.sent().length

    const serving = await until(() => running.serving(), 10_000)
    const newEventOnSockets = await until(() => {
      const last = venue.sent()[sentAtReturn]
      return (
        last !== undefined &&
        quantities(path.records).includes(last) &&
        quantities(mux.records).includes(last)
      )
    }, 10_000)
    const newEventListed = await until(async () => {
      const last = venue.sent()[sentAtReturn]
      return last !== undefined && (await listedQuantities(running.http)).includes(last)
    }, 10_000)
    process.stdout.write(
      `faults: Redis back after 15 s → serving in ${serving} ms, ` +
        `WebSockets deliver in ${newEventOnSockets} ms, /liquidations in ${newEventListed} ms\n`
    )

    // the spike monitor's scheduler was lost with the data: scheduled evaluations run again
    const runs = await running.aggregatorMetric('takashi_aggregator_spike_evaluation_seconds_count')
    await until(
      async () =>
        (await running.aggregatorMetric('takashi_aggregator_spike_evaluation_seconds_count')) >
        runs + 1,
      10_000
    )

    // the sockets that stayed open got every event once, in order: before, during and after
    const sent = await expectEverySentDelivered(venue, [path, mux])
    expect(path.closed()).toBeUndefined()
    // the feed lost what Redis lost, but not one event of the outage or after it, none twice
    const listed = await listedThrough(running.http, sent.at(-1))
    expect(listed).toEqual(sent.slice(sent.length - listed.length))
    expect(listed.length).toBeGreaterThanOrEqual(sent.length - sentBeforeFault)

    // every candle the venue has is served, none missing
    const times = venue.candleTimes()
    const res = await fetch(`${running.http}/binance/ohlc/BTCUSDT/1m?limit=${times.length}`)
    expect(res.status).toBe(200)
    const candles = (await res.json()) as { timestamp: number }[]
    expect(candles.map((candle) => candle.timestamp)).toEqual(times)

    expectAllRunning(running)
  }, 90_000)
})
