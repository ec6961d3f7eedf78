// Builders of OKX v5 push data and REST rows, shaped like the venue's own (every number a
// string, sizes in contracts; shared exchange-formats §3).

type Decimal = string | number

/** OKX bar names by canonical interval (UTC bars from 6 hours up). */
export const OKX_BARS: Record<string, string> = {
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '1H',
  '2h': '2H',
  '4h': '4H',
  '6h': '6Hutc',
  '12h': '12Hutc',
  '1d': '1Dutc',
}
const CANONICAL = new Map(Object.entries(OKX_BARS).map(([interval, bar]) => [bar, interval]))

/** `1H` → `1h`; undefined for bars the fake lacks (the UTC+8 `6H`, `1D`…). */
export function okxCanonicalInterval(bar: string): string | undefined {
  return CANONICAL.get(bar)
}

/** `BTCUSDT` → `BTC-USDT-SWAP` */
export const okxInstId = (symbol: string) => `${symbol.replace(/USDT$/, '')}-USDT-SWAP`

/** A candle row: `[ts, o, h, l, c, vol (contracts), volCcy (base), volCcyQuote, confirm]`. */
export type OkxCandleRow = [string, string, string, string, string, string, string, string, string]

export const okxEvents = {
  /** A `trades` element; `sz` in contracts, `side` the taker's. */
  trade(input: {
    instId: string
    tradeId: string
    px: Decimal
    sz: Decimal
    side: 'buy' | 'sell'
    ts: number
  }) {
    return {
      instId: input.instId,
      tradeId: input.tradeId,
      px: String(input.px),
      sz: String(input.sz),
      side: input.side,
      ts: String(input.ts),
      count: '1',
    }
  },

  candle(input: {
    ts: number
    o: Decimal
    h: Decimal
    l: Decimal
    c: Decimal
    /** contracts */
    vol: Decimal
    contractSize: number
    volCcyQuote: Decimal
    confirm: boolean
  }): OkxCandleRow {
    const volCcy = Number(input.vol) * input.contractSize
    return [
      String(input.ts),
      String(input.o),
      String(input.h),
      String(input.l),
      String(input.c),
      String(input.vol),
      String(Number(volCcy.toPrecision(12))),
      String(input.volCcyQuote),
      input.confirm ? '1' : '0',
    ]
  },

  openInterest(input: { instId: string; oi: Decimal; oiCcy: Decimal; oiUsd: Decimal; ts: number }) {
    return {
      instType: 'SWAP',
      instId: input.instId,
      oi: String(input.oi),
      oiCcy: String(input.oiCcy),
      oiUsd: String(input.oiUsd),
      ts: String(input.ts),
    }
  },

  fundingRate(input: {
    instId: string
    fundingRate: Decimal
    fundingTime: number
    nextFundingTime: number
    ts: number
  }) {
    return {
      instType: 'SWAP',
      instId: input.instId,
      method: 'current_period',
      fundingRate: String(input.fundingRate),
      nextFundingRate: '',
      fundingTime: String(input.fundingTime),
      nextFundingTime: String(input.nextFundingTime),
      ts: String(input.ts),
    }
  },

  markPrice(input: { instId: string; markPx: Decimal; ts: number }) {
    return {
      instType: 'SWAP',
      instId: input.instId,
      markPx: String(input.markPx),
      ts: String(input.ts),
    }
  },

  /** A `liquidation-orders` element for one swap; `side` is the ORDER's (sell closes a long). */
  liquidation(input: {
    instId: string
    side: 'buy' | 'sell'
    sz: Decimal
    bkPx: Decimal
    ts: number
  }) {
    const family = input.instId.replace(/-SWAP$/, '')
    return {
      instType: 'SWAP',
      instFamily: family,
      uly: family,
      instId: input.instId,
      details: [
        {
          side: input.side,
          posSide: input.side === 'sell' ? 'long' : 'short',
          bkPx: String(input.bkPx),
          sz: String(input.sz),
          bkLoss: '0',
          ccy: '',
          ts: String(input.ts),
        },
      ],
    }
  },
}
