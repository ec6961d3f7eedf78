import { candleOpenTime, nextOpenTime } from './candles.ts'
import { roundPrice, type SymbolProfile } from './profile.ts'
import type { Random } from './random.ts'

/** Periods of the open interest history kept by default (every one Binance's openInterestHist accepts). */
export const OI_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const
/** Binance's largest page for openInterestHist and a generous one for funding history. */
export const OI_HISTORY_LENGTH = 500
export const FUNDING_HISTORY_LENGTH = 500
/** The period the model's funding rate is quoted for; venues settling more often get a share. */
export const MODEL_FUNDING_INTERVAL_MS = 8 * 3_600_000

/** One settled funding: the rate per funding interval and the mark price then. */
export interface FundingSettlement {
  time: number
  rate: number
  markPrice: number
}

/** Open interest (base units) at the start of a period, with the price it was valued at. */
export interface OpenInterestPoint {
  time: number
  openInterest: number
  price: number
}

/** Open interest and funding of one symbol, with the histories venues serve over REST. */
export interface Derivatives {
  openInterest: number
  /** per MODEL_FUNDING_INTERVAL_MS */
  fundingRate: number
  /** settlement cadence, e.g. 8 h (Binance, Bybit, OKX) or 1 h (Hyperliquid) */
  fundingIntervalMs: number
  fundingHistory: FundingSettlement[]
  oiHistory: Map<string, OpenInterestPoint[]>
}

/** The next settlement after `now`: multiples of the interval from the epoch (00/08/16 UTC for 8 h). */
export function nextFundingTime(now: number, intervalMs = MODEL_FUNDING_INTERVAL_MS): number {
  return Math.floor(now / intervalMs) * intervalMs + intervalMs
}

/** The model's rate scaled to a venue's funding interval (an hourly venue pays an eighth). */
export function fundingPerInterval(state: Derivatives, rate = state.fundingRate): number {
  return (rate * state.fundingIntervalMs) / MODEL_FUNDING_INTERVAL_MS
}

export function createDerivatives(
  profile: SymbolProfile,
  now: number,
  price: number,
  random: Random,
  options: {
    fundingIntervalMs?: number
    oiPeriods?: readonly string[]
    historyLength?: number
  } = {}
): Derivatives {
  const fundingIntervalMs = options.fundingIntervalMs ?? MODEL_FUNDING_INTERVAL_MS
  const state: Derivatives = {
    openInterest: profile.baseOpenInterest * random.between(0.9, 1.1),
    fundingRate: 0.0001,
    fundingIntervalMs,
    fundingHistory: [],
    oiHistory: new Map(),
  }
  let settled = nextFundingTime(now, fundingIntervalMs) - fundingIntervalMs
  for (let index = 0; index < (options.historyLength ?? FUNDING_HISTORY_LENGTH); index++) {
    state.fundingHistory.unshift({
      rate: fundingPerInterval(state, 0.0001 + 0.00008 * random.gaussian()),
      time: settled,
      markPrice: roundPrice(profile, price * Math.exp(0.03 * random.gaussian())),
    })
    settled -= fundingIntervalMs
  }
  for (const period of options.oiPeriods ?? OI_PERIODS) {
    const rows: OpenInterestPoint[] = []
    let time = candleOpenTime(period, now)
    let value = state.openInterest
    const sigma = 0.002 * Math.sqrt((nextOpenTime(period, time) - time) / 300_000)
    for (let index = 0; index < (options.historyLength ?? OI_HISTORY_LENGTH); index++) {
      rows.unshift({ time, openInterest: value, price: price * Math.exp(0.01 * random.gaussian()) })
      value /= Math.exp(sigma * random.gaussian())
      time = candleOpenTime(period, time - 1)
    }
    state.oiHistory.set(period, rows)
  }
  return state
}

/** One second of drift; now and then a jump of a few percent, so OI-spike detection has work. */
export function stepDerivatives(state: Derivatives, profile: SymbolProfile, random: Random): void {
  const pull = Math.log(profile.baseOpenInterest / state.openInterest) * 0.001
  state.openInterest *= Math.exp(pull + 0.0003 * random.gaussian())
  if (random.chance(1 / 240))
    state.openInterest *= 1 + random.between(0.01, 0.03) * (random.chance(0.7) ? 1 : -1)
  const rate =
    state.fundingRate + 0.000002 * random.gaussian() + (0.0001 - state.fundingRate) * 0.01
  state.fundingRate = Math.min(0.003, Math.max(-0.003, rate))
}

/** Appends the rows whose time fell in (`since`, `now`]; returns what changed. */
export function recordBoundaries(
  state: Derivatives,
  profile: SymbolProfile,
  since: number,
  now: number,
  markPrice: number
): { funding: boolean; periods: string[] } {
  let funding = false
  const settlement = nextFundingTime(now, state.fundingIntervalMs) - state.fundingIntervalMs
  if (settlement > since && settlement > (state.fundingHistory.at(-1)?.time ?? -Infinity)) {
    state.fundingHistory.push({
      rate: fundingPerInterval(state),
      time: settlement,
      markPrice: roundPrice(profile, markPrice),
    })
    state.fundingHistory.splice(
      0,
      Math.max(0, state.fundingHistory.length - FUNDING_HISTORY_LENGTH)
    )
    funding = true
  }
  const periods: string[] = []
  for (const [period, rows] of state.oiHistory) {
    const boundary = candleOpenTime(period, now)
    if (boundary <= since) continue
    rows.push({ time: boundary, openInterest: state.openInterest, price: markPrice })
    rows.splice(0, Math.max(0, rows.length - OI_HISTORY_LENGTH))
    periods.push(period)
  }
  return { funding, periods }
}
