import {
  candleOpenTime,
  nextOpenTime,
  type BinanceFundingRow,
  type BinanceOpenInterestHistRow,
} from '@takashi/fakes/binance'
import { formatPrice, type SymbolProfile } from './profile.ts'
import type { Random } from './random.ts'

/** Periods `GET /futures/data/openInterestHist` accepts. */
export const OI_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const
/** Binance's largest page for openInterestHist and a generous one for fundingRate. */
export const OI_HISTORY_LENGTH = 500
export const FUNDING_HISTORY_LENGTH = 500
export const FUNDING_INTERVAL_MS = 8 * 3_600_000

/** Open interest and funding of one symbol, with the histories REST serves. */
export interface Derivatives {
  openInterest: number
  fundingRate: number
  fundingHistory: BinanceFundingRow[]
  oiHistory: Map<string, BinanceOpenInterestHistRow[]>
}

/** Funding settles at 00:00, 08:00 and 16:00 UTC. */
export function nextFundingTime(now: number): number {
  return Math.floor(now / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS
}

const formatRate = (rate: number) => rate.toFixed(8)

function oiRow(openInterest: number, price: number, timestamp: number): BinanceOpenInterestHistRow {
  return {
    sumOpenInterest: openInterest.toFixed(3),
    sumOpenInterestValue: (openInterest * price).toFixed(8),
    timestamp,
  }
}

export function createDerivatives(
  profile: SymbolProfile,
  now: number,
  price: number,
  random: Random
): Derivatives {
  const openInterest = profile.baseOpenInterest * random.between(0.9, 1.1)
  const fundingRate = 0.0001
  const fundingHistory: BinanceFundingRow[] = []
  let settled = nextFundingTime(now) - FUNDING_INTERVAL_MS
  for (let index = 0; index < FUNDING_HISTORY_LENGTH; index++) {
    fundingHistory.unshift({
      fundingRate: formatRate(0.0001 + 0.00008 * random.gaussian()),
      fundingTime: settled,
      markPrice: formatPrice(profile, price * Math.exp(0.03 * random.gaussian())),
    })
    settled -= FUNDING_INTERVAL_MS
  }
  const oiHistory = new Map<string, BinanceOpenInterestHistRow[]>()
  for (const period of OI_PERIODS) {
    const rows: BinanceOpenInterestHistRow[] = []
    let time = candleOpenTime(period, now)
    let value = openInterest
    const sigma = 0.002 * Math.sqrt((nextOpenTime(period, time) - time) / 300_000)
    for (let index = 0; index < OI_HISTORY_LENGTH; index++) {
      rows.unshift(oiRow(value, price * Math.exp(0.01 * random.gaussian()), time))
      value /= Math.exp(sigma * random.gaussian())
      time = candleOpenTime(period, time - 1)
    }
    oiHistory.set(period, rows)
  }
  return { openInterest, fundingRate, fundingHistory, oiHistory }
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
  const settlement = nextFundingTime(now) - FUNDING_INTERVAL_MS
  if (settlement > since) {
    state.fundingHistory.push({
      fundingRate: formatRate(state.fundingRate),
      fundingTime: settlement,
      markPrice: formatPrice(profile, markPrice),
    })
    state.fundingHistory.splice(
      0,
      Math.max(0, state.fundingHistory.length - FUNDING_HISTORY_LENGTH)
    )
    funding = true
  }
  const periods: string[] = []
  for (const period of OI_PERIODS) {
    const boundary = candleOpenTime(period, now)
    if (boundary <= since) continue
    const rows = state.oiHistory.get(period) ?? []
    rows.push(oiRow(state.openInterest, markPrice, boundary))
    rows.splice(0, Math.max(0, rows.length - OI_HISTORY_LENGTH))
    state.oiHistory.set(period, rows)
    periods.push(period)
  }
  return { funding, periods }
}

export const fundingRateText = formatRate
