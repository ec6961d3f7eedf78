/**
 * What the ingestor knows about the market, by canonical symbol. Parsers and REST calls read it;
 * only `Market.learn` changes it.
 */
export interface MarketFacts {
  /** the latest mark price, which prices `*_usd` values */
  readonly markPrice: ReadonlyMap<string, number>
  /** the funding period, where the venue's own differs from the default */
  readonly fundingIntervalHours: ReadonlyMap<string, number>
  /** base units per contract (OKX ctVal × ctMult) */
  readonly contractSize: ReadonlyMap<string, number>
}

/** Facts a frame or a REST answer taught, by canonical symbol. */
export type MarketUpdate = { readonly [K in keyof MarketFacts]?: Readonly<Record<string, number>> }

/** Market facts and the one function that changes them (a plain function: pass it around). */
export interface Market extends MarketFacts {
  readonly learn: (update: MarketUpdate) => void
}

export function createMarket(): Market {
  const facts = {
    markPrice: new Map<string, number>(),
    fundingIntervalHours: new Map<string, number>(),
    contractSize: new Map<string, number>(),
  }
  return {
    ...facts,
    learn: (update) => {
      for (const fact of Object.keys(facts) as (keyof MarketFacts)[]) {
        for (const [symbol, value] of Object.entries(update[fact] ?? {})) {
          facts[fact].set(symbol, value)
        }
      }
    },
  }
}
