import type { Keys, Redis } from '@takashi/bus'
import type { ExchangeId, SpikeTimeframe } from '@takashi/schemas'
import type { Reading, SeriesState } from './oi-spike.ts'

export const SPIKE_METRICS = ['open_interest', 'volume'] as const
export type SpikeMetric = (typeof SPIKE_METRICS)[number]

export interface Series {
  exchange: ExchangeId
  symbol: string
  timeframe: SpikeTimeframe
  metric: SpikeMetric
}

/** A series' state as read, with the version a write must still find to succeed. */
export interface Stored {
  state: SeriesState | undefined
  version: string
}

const STATE_TTL_MS = 2 * 86_400_000

// Compare-and-set: the write applies only if no other evaluation wrote since this one read, so
// several workers may judge the same series and only one of them moves it on (and may alert).
// The window is one string (comma-separated, oldest first): a read is one value, not 100.
const COMMIT = `
if (redis.call('HGET', KEYS[2], 'v') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'last', ARGV[4], 'open_period', ARGV[5], 'open_value', ARGV[6],
  'open_at', ARGV[7], 'armed', ARGV[8])
redis.call('HINCRBY', KEYS[2], 'v', 1)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[9], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`

type CommitArgs = [string, string, ...string[]]
type WithCommit = Redis & {
  spikeCommit(...args: CommitArgs): Promise<number>
}

/** The connection with the commit script defined (EVALSHA, reloaded if Redis lost it). */
export function withCommit(redis: Redis): WithCommit {
  if (!('spikeCommit' in redis))
    redis.defineCommand('spikeCommit', { numberOfKeys: 2, lua: COMMIT })
  return redis as WithCommit
}

const num = (text: string | undefined) =>
  text === undefined || text === '' ? undefined : Number(text)

function decode(hash: Record<string, string>, window: string | null): Stored {
  if (hash.v === undefined) return { state: undefined, version: '' }
  const period = num(hash.open_period)
  const open: Reading | undefined =
    period === undefined
      ? undefined
      : { period, value: Number(hash.open_value), at: Number(hash.open_at) }
  return {
    state: {
      window: window ? window.split(',').map(Number) : [],
      last: num(hash.last),
      open,
      armed: hash.armed !== '0',
    },
    version: hash.v,
  }
}

const keysOf = (keys: Keys, s: Series) =>
  [
    keys.spikeWindow(s.exchange, s.symbol, s.timeframe, s.metric),
    keys.spikeState(s.exchange, s.symbol, s.timeframe, s.metric),
  ] as const

/** Reads many series in one round trip. */
export async function readSeries(
  redis: Redis,
  keys: Keys,
  series: readonly Series[]
): Promise<Stored[]> {
  const pipeline = redis.pipeline()
  for (const s of series) {
    const [windowKey, stateKey] = keysOf(keys, s)
    pipeline.hgetall(stateKey).get(windowKey)
  }
  const results = (await pipeline.exec()) ?? []
  return series.map((_, i) => {
    const [hashErr, hash] = results[2 * i] ?? []
    const [windowErr, window] = results[2 * i + 1] ?? []
    const err = hashErr ?? windowErr
    if (err) throw err
    return decode(hash as Record<string, string>, window as string | null)
  })
}

export interface Commit {
  series: Series
  version: string
  state: SeriesState
  /** the window changed (a seed, or periods closed) and is written too */
  windowChanged: boolean
}

/** Writes many series in one round trip; resolves which writes applied. */
export async function commitSeries(
  redis: Redis,
  keys: Keys,
  commits: readonly Commit[]
): Promise<boolean[]> {
  if (commits.length === 0) return []
  const pipeline = withCommit(redis).pipeline() as unknown as {
    spikeCommit(...args: CommitArgs): void
    exec(): Promise<[Error | null, unknown][] | null>
  }
  for (const c of commits) {
    const { state } = c
    pipeline.spikeCommit(
      ...keysOf(keys, c.series),
      c.version,
      String(STATE_TTL_MS),
      c.windowChanged ? '1' : '0',
      state.last === undefined ? '' : String(state.last),
      state.open ? String(state.open.period) : '',
      state.open ? String(state.open.value) : '',
      state.open ? String(state.open.at) : '',
      state.armed ? '1' : '0',
      c.windowChanged ? state.window.join(',') : ''
    )
  }
  const results = (await pipeline.exec()) ?? []
  return results.map(([err, applied]) => {
    if (err) throw err
    return applied === 1
  })
}
