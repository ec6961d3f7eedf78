import type { RestContext, PollSpec, RestClient } from '@takashi/exchanges'
import type { Logger } from '@takashi/observability'
import { createSampler } from './backoff.ts'
import type { IngestorMetrics } from './metrics.ts'
import type { Publisher } from './publisher.ts'

export interface PollersDeps {
  polls: readonly PollSpec[]
  rest: RestClient
  context(): RestContext
  publisher: Publisher
  metrics: IngestorMetrics
  log: Logger
  /** delay between the first runs of consecutive polls, so they do not all fire at once */
  spreadMs?: number
  /** replaces every poll's own interval (tests) */
  everyMs?: number
}

/**
 * Runs the adapter's REST polls: each first at start (staggered), then every `everyMs` after
 * the previous run began; a run never overlaps the previous run of the same poll.
 */
export function createPollers(deps: PollersDeps) {
  const { metrics } = deps
  const exchange = metrics.exchange
  const log = deps.log.child({ component: 'pollers' })
  const timers = new Map<string, NodeJS.Timeout>()
  const runs = new Set<Promise<void>>()
  const samplers = new Map(deps.polls.map((poll) => [poll.name, createSampler(60_000)]))
  let stopped = true

  function schedule(poll: PollSpec, delayMs: number): void {
    timers.set(
      poll.name,
      setTimeout(() => {
        timers.delete(poll.name)
        const run = runPoll(poll).finally(() => runs.delete(run))
        runs.add(run)
      }, delayMs)
    )
  }

  async function runPoll(poll: PollSpec): Promise<void> {
    const startedAt = Date.now()
    try {
      const records = await poll.run(deps.rest, deps.context())
      if (!stopped) await deps.publisher.publishNow(records)
      metrics.pollRuns.inc({ exchange, poll: poll.name, outcome: 'ok' })
    } catch (err) {
      metrics.pollRuns.inc({ exchange, poll: poll.name, outcome: 'error' })
      samplers.get(poll.name)?.((skipped) =>
        log.warn({ err, poll: poll.name, skipped }, 'poll failed')
      )
    }
    const everyMs = deps.everyMs ?? poll.everyMs
    if (!stopped) schedule(poll, Math.max(0, everyMs - (Date.now() - startedAt)))
  }

  return {
    start(): void {
      if (!stopped) return
      stopped = false
      deps.polls.forEach((poll, index) => schedule(poll, index * (deps.spreadMs ?? 250)))
    },
    /** cancels the timers and waits (at most `graceMs`) for runs in progress */
    async stop(graceMs = 2_000): Promise<void> {
      stopped = true
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      if (runs.size === 0) return
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all([...runs]),
        new Promise((resolve) => (grace = setTimeout(resolve, graceMs))),
      ])
      clearTimeout(grace)
    },
  }
}
