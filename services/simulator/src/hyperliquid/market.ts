import {
  hyperliquidEvents,
  hyperliquidNextOpenTime,
  hyperliquidTopic,
  type FakeHyperliquid,
  type HyperliquidCandleRow,
  type HyperliquidFundingRow,
} from '@takashi/fakes/hyperliquid'
import {
  applyTrade,
  emptyCandle,
  generateHistory,
  HISTORY_LENGTH,
  type Candle,
} from '../candles.ts'
import { stepDerivatives, type Derivatives } from '../derivatives.ts'
import {
  formatPrice,
  formatQuantity,
  profileFor,
  roundPrice,
  roundQuantity,
  TRADE_VOLATILITY,
  type SymbolProfile,
} from '../profile.ts'
import type { Random } from '../random.ts'

const HOUR = 3_600_000
/** Chance that a trade is a whale print worth more than $100k. */
const LARGE_TRADE_CHANCE = 1 / 40
/** Hourly funding history kept for `fundingHistory`. */
const FUNDING_HISTORY_LENGTH = 500
// the shared derivative model drifts around an 8-hourly rate; Hyperliquid pays hourly
const HOURS_PER_MODEL_PERIOD = 8

export interface CoinMarket {
  coin: string
  /** one taker order now: a `trades` push (1–3 fills) and a candle update per interval */
  trade(now: number): void
  /** the once-a-second work: candle boundaries, context (OI, funding, mark), hourly funding */
  second(now: number): void
}

const fundingText = (rate: number) => (rate / HOURS_PER_MODEL_PERIOD).toFixed(8)

/** One coin's random walk, published through the fake Hyperliquid's channels and info state. */
export function createCoinMarket(deps: {
  venue: FakeHyperliquid
  symbol: string
  coin: string
  intervals: readonly string[]
  random: Random
  now: number
}): CoinMarket {
  const { venue, coin, intervals, random } = deps
  const profile: SymbolProfile = profileFor(deps.symbol)
  let price = profile.basePrice * random.between(0.97, 1.03)
  // ids grow with wall time, so a restarted simulator never repeats a trade id
  let tid = Math.floor(deps.now / 25)
  let lastSecond = deps.now

  const row = (interval: string, candle: Candle): HyperliquidCandleRow =>
    hyperliquidEvents.candle({
      coin,
      interval,
      openTime: candle.openTime,
      o: formatPrice(profile, candle.o),
      h: formatPrice(profile, candle.h),
      l: formatPrice(profile, candle.l),
      c: formatPrice(profile, candle.c),
      v: candle.v.toFixed(profile.quantityDecimals),
      n: candle.n,
    })

  const candles = new Map<string, Candle>()
  for (const interval of intervals) {
    const history = generateHistory(profile, interval, deps.now, roundPrice(profile, price), random)
    venue.rest.setCandles(
      coin,
      interval,
      history.map((candle) => row(interval, candle))
    )
    candles.set(interval, history[history.length - 1]!)
  }

  const derivatives: Derivatives = {
    openInterest: profile.baseOpenInterest * random.between(0.9, 1.1),
    fundingRate: 0.0001,
    fundingHistory: [],
    oiHistory: new Map(),
  }
  const funding: HyperliquidFundingRow[] = []
  for (let index = FUNDING_HISTORY_LENGTH; index >= 1; index--) {
    const rate = 0.0001 + 0.00008 * random.gaussian()
    funding.push({
      fundingRate: fundingText(rate),
      premium: (rate / HOURS_PER_MODEL_PERIOD - 0.0000125).toFixed(10),
      time: Math.floor(deps.now / HOUR) * HOUR - (index - 1) * HOUR,
    })
  }
  venue.rest.setFundingHistory(coin, funding)
  publishContext(deps.now, price)

  function publishContext(now: number, markPrice: number): void {
    const ctx = hyperliquidEvents.assetCtx({
      funding: fundingText(derivatives.fundingRate),
      openInterest: derivatives.openInterest.toFixed(profile.quantityDecimals),
      markPx: formatPrice(profile, markPrice),
      oraclePx: formatPrice(profile, price),
      midPx: formatPrice(profile, price),
    })
    venue.rest.setAssetCtx(coin, ctx)
    if (now !== deps.now) {
      venue.emit(hyperliquidTopic.activeAssetCtx(coin), hyperliquidEvents.activeAssetCtx(coin, ctx))
    }
  }

  /** At each boundary the next candle opens (empty, at the last close) and is pushed. */
  function rollCandles(now: number): void {
    for (const interval of intervals) {
      let candle = candles.get(interval)!
      while (now >= hyperliquidNextOpenTime(interval, candle.openTime)) {
        candle = emptyCandle(hyperliquidNextOpenTime(interval, candle.openTime), candle.c)
        candles.set(interval, candle)
        const opened = row(interval, candle)
        venue.rest.upsertCandle(coin, interval, opened, HISTORY_LENGTH)
        venue.emit(hyperliquidTopic.candle(coin, interval), opened)
      }
    }
  }

  function tradeNotional(): number {
    if (random.chance(LARGE_TRADE_CHANCE)) {
      return Math.exp(random.between(Math.log(1.2e5), Math.log(2e6)))
    }
    return Math.min(9e4, Math.exp(Math.log(2_500) + 1.1 * random.gaussian()))
  }

  return {
    coin,

    trade(now) {
      rollCandles(now)
      const pull = Math.log(profile.basePrice / price) * 0.0005
      const step = pull + TRADE_VOLATILITY * random.gaussian()
      price *= Math.exp(step)
      const px = roundPrice(profile, price)
      const total = roundQuantity(profile, tradeNotional() / px)
      // "B" = the taker bought (the price was lifted), "A" = the taker sold
      const side = step >= 0 ? 'B' : 'A'
      const fills = 1 + Math.floor(random.next() * 3)
      const each = Math.max(roundQuantity(profile, total / fills), 10 ** -profile.quantityDecimals)
      const pushed = Array.from({ length: fills }, () =>
        hyperliquidEvents.trade({
          coin,
          side,
          px: formatPrice(profile, px),
          sz: formatQuantity(profile, each),
          time: now,
          tid: (tid += 1),
        })
      )
      venue.emit(hyperliquidTopic.trades(coin), pushed)
      const fill = {
        price: px,
        quantity: each * fills,
        takerBuy: side === 'B',
        firstTradeId: tid - fills + 1,
        lastTradeId: tid,
      }
      for (const interval of intervals) {
        const candle = candles.get(interval)!
        applyTrade(candle, fill)
        const current = row(interval, candle)
        venue.emit(hyperliquidTopic.candle(coin, interval), current)
        venue.rest.upsertCandle(coin, interval, current, HISTORY_LENGTH)
      }
    },

    second(now) {
      rollCandles(now)
      stepDerivatives(derivatives, profile, random)
      const markPrice = price * (1 + 0.0002 * random.gaussian())
      publishContext(now, markPrice)
      const settled = Math.floor(now / HOUR) * HOUR
      if (settled > lastSecond && settled > (funding.at(-1)?.time ?? 0)) {
        funding.push({
          fundingRate: fundingText(derivatives.fundingRate),
          premium: (derivatives.fundingRate / HOURS_PER_MODEL_PERIOD - 0.0000125).toFixed(10),
          time: settled,
        })
        funding.splice(0, Math.max(0, funding.length - FUNDING_HISTORY_LENGTH))
        venue.rest.setFundingHistory(coin, funding)
      }
      lastSecond = now
    },
  }
}
