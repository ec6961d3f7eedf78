import type { RestContext, PollSpec, RestClient } from './adapter.ts'
import { createRoundRobin } from './round-robin.ts'

// Funding periods learnt from a venue's funding history, shared by the adapters that need it.

/** One settled funding: when it was paid and at what rate. */
export interface FundingPoint {
  time: number
  rate: number
}

/** The funding period assumed until a symbol's own is known: the venues' usual 8 h. */
export const DEFAULT_FUNDING_INTERVAL_HOURS = 8

/** How often funding periods are re-learnt: venues change them per symbol now and then. */
export const FUNDING_INTERVAL_POLL_MS = 30 * 60_000
/** The shortest wait between two runs of the funding-period poll over a large market. */
export const FUNDING_INTERVAL_RUN_MS = 60_000

/** The funding period: the gap between the last two funding times, in whole hours; null if unknown. */
export function fundingIntervalHoursFrom(history: readonly FundingPoint[]): number | null {
  const times = history.map((point) => point.time).sort((a, b) => a - b)
  const last = times.at(-1)
  const previous = times.at(-2)
  if (last === undefined || previous === undefined) return null
  const hours = Math.round((last - previous) / 3_600_000)
  return hours > 0 ? hours : null
}

/**
 * Runs `fn` for every symbol; a failing symbol does not hide the others' results, but when
 * every symbol fails the poll fails (so the ingestor counts and logs it).
 */
export async function forEachSymbol<T>(
  symbols: readonly string[],
  fn: (symbol: string) => Promise<T>
): Promise<T[]> {
  const settled = await Promise.allSettled(symbols.map(fn))
  const values = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failure = settled.find((result) => result.status === 'rejected')
  if (values.length === 0 && failure) throw failure.reason
  return values
}

/** Learns the period the symbol's funding history shows, when it shows one. */
export async function learnFundingInterval(
  symbol: string,
  history: Promise<FundingPoint[]>,
  ctx: RestContext
): Promise<void> {
  const hours = fundingIntervalHoursFrom(await history)
  if (hours !== null) ctx.learn({ fundingIntervalHours: { [symbol]: hours } })
}

/**
 * A poll that learns each symbol's funding period from the venue's funding history, reading at
 * most `maxPerMinute` symbols a run: a short list all at once every 30 min, a whole market in
 * turns a minute apart (600 symbols at 10 a minute: each re-read hourly).
 */
export function fundingIntervalPoll(
  symbols: readonly string[],
  history: (rest: RestClient, symbol: string, ctx: RestContext) => Promise<FundingPoint[]>,
  maxPerMinute: number
): PollSpec {
  const batch = Math.max(1, Math.min(symbols.length, maxPerMinute))
  const rounds = Math.ceil(symbols.length / batch)
  const next = createRoundRobin(symbols, batch)
  return {
    name: 'funding_interval',
    everyMs: Math.max(FUNDING_INTERVAL_RUN_MS, Math.floor(FUNDING_INTERVAL_POLL_MS / rounds)),
    async run(rest, ctx) {
      await forEachSymbol(next(), (symbol) =>
        learnFundingInterval(symbol, history(rest, symbol, ctx), ctx)
      )
      return []
    },
  }
}
