// One view of the page: the data of the current filters, fetched by REST and kept live over the
// page's `/ws` stream (@takashi/client); `stop()` ends its subscriptions when the filters change.
import {
  streamPaths,
  type FundingRate,
  type Ohlc,
  type OpenInterest,
  type ExchangeInfo,
  type Stream,
  type Subscription,
  type TakashiClient,
} from '@takashi/client'
import type { CandleChart } from './chart.ts'
import type { Filters } from './filters.ts'
import type { Markets } from './markets.ts'
import type { Spikes } from './spikes.ts'
import type { Tape } from './tape.ts'

export interface Panels {
  liquidations: Tape
  largeTrades: Tape
  markets: Markets
  spikes: Spikes
  chart: CandleChart
  /** a problem to show (an unknown symbol, a refused subscription) */
  notice(text: string): void
}

type Capability = keyof ExchangeInfo['capabilities']

const TAPE_LENGTH = 50

export function startView(
  client: TakashiClient,
  stream: Stream,
  exchanges: readonly ExchangeInfo[],
  filters: Filters,
  panels: Panels
) {
  const { symbol, exchange, interval } = filters
  const abort = new AbortController()
  const { signal } = abort
  const subscriptions: Subscription[] = []
  const shown = exchanges.filter((info) => exchange === null || info.name === exchange)
  const having = (capability: Capability) =>
    shown.filter((info) => info.capabilities[capability]).map((info) => info.name)
  let failures = 0
  const failed = (what: string) => (error: Error) => {
    if (signal.aborted) return
    failures++
    panels.notice(`${what}: ${error.message}`)
  }
  const scope = { symbol, ...(exchange !== null && { exchange }) }
  const streamScope = { symbols: symbol, ...(exchange !== null && { exchanges: exchange }) }

  /** A tape: the newest events by REST, then live ones after the newest id (no gap). */
  async function tape(kind: 'liquidations' | 'largeTrades', panel: Tape) {
    const capability = kind === 'liquidations' ? 'liquidations' : 'large_trades'
    if (having(capability).length === 0) {
      return panel.note(`${exchange ?? 'no exchange'} publishes no ${capability.replace('_', ' ')}`)
    }
    const recent = await client[kind]({ ...scope, limit: TAPE_LENGTH }, { signal })
    if (signal.aborted) return
    panel.reset(recent)
    const path = streamPaths[kind]({ ...streamScope, since_id: recent[0]?.id })
    subscriptions.push(
      stream.subscribe(path, { onData: (r) => panel.add(r), onError: failed(kind) }, { signal })
    )
  }

  async function spikes() {
    const recent = await client.oiSpikes({ ...scope, limit: 20 }, { signal })
    if (signal.aborted) return
    panels.spikes.reset(recent)
    const path = streamPaths.oiSpikes({ ...streamScope, since_id: recent[0]?.id })
    subscriptions.push(
      stream.subscribe(
        path,
        { onData: (s) => panels.spikes.add(s), onError: failed('oi spikes') },
        { signal }
      )
    )
  }

  /** Open interest and funding per exchange: each stream sends its cached value first. */
  function markets() {
    panels.markets.reset(having('open_interest'))
    for (const name of having('open_interest')) {
      const path = streamPaths.openInterest({ exchange: name, symbol })
      const onData = (record: OpenInterest) => panels.markets.openInterest(record)
      stream.subscribe(path, { onData, onError: failed(`${name} open interest`) }, { signal })
    }
    for (const name of having('funding_rate')) {
      const path = streamPaths.fundingRate({ exchange: name, symbol })
      const onData = (record: FundingRate) => panels.markets.funding(record)
      stream.subscribe(path, { onData, onError: failed(`${name} funding`) }, { signal })
    }
  }

  const chartExchange = having('ohlc')[0]
  async function candles(): Promise<void> {
    if (chartExchange === undefined) return
    const params = { exchange: chartExchange, symbol, interval, limit: 300 } as const
    const history = await client.ohlc(params, { signal })
    if (!signal.aborted) panels.chart.reset(history, `${chartExchange} ${symbol} ${interval}`)
  }

  void tape('liquidations', panels.liquidations).catch(failed('liquidations'))
  void tape('largeTrades', panels.largeTrades).catch(failed('large trades'))
  void spikes().catch(failed('oi spikes'))
  markets()
  if (chartExchange !== undefined) {
    candles()
      .then(() => {
        if (signal.aborted) return
        const path = streamPaths.ohlc({ exchange: chartExchange, symbol, interval })
        const onData = (candle: Ohlc) => panels.chart.update(candle)
        stream.subscribe(path, { onData, onError: failed('candles') }, { signal })
      })
      .catch(failed('candles'))
  }

  return {
    /** event streams that resume after the last id they delivered when the connection returns */
    resumable: () => subscriptions.filter((s) => s.resumeFrom !== undefined).length,
    /** a part could not load (the gateway was away): start the view again once it is back */
    failed: () => failures > 0,
    /** after a reconnect: candles closed while away are fetched again (events resume by id) */
    refresh() {
      void candles().catch(failed('candles'))
    },
    stop() {
      abort.abort()
    },
  }
}

export type View = ReturnType<typeof startView>
