// A `GET /fapi/v1/exchangeInfo` body in the shape of the real one (fixture rest_exchangeInfo_2021-07.json).

/** Perpetuals every fake venue lists; more appear when a test stores data for another symbol. */
export const DEFAULT_PERPETUALS = ['BTCUSDT', 'ETHUSDT'] as const

/** A quarterly contract, so consumers prove they keep only perpetuals. */
export const DELIVERY_CONTRACT = 'BTCUSDT_250328'

interface Precision {
  price: number
  quantity: number
  tickSize: string
  stepSize: string
}

const PRECISION: Record<string, Precision> = {
  BTCUSDT: { price: 2, quantity: 3, tickSize: '0.10', stepSize: '0.001' },
  ETHUSDT: { price: 2, quantity: 3, tickSize: '0.01', stepSize: '0.001' },
}
const OTHER: Precision = { price: 4, quantity: 1, tickSize: '0.0010', stepSize: '0.1' }

function baseAsset(symbol: string): string {
  return symbol.replace(/_\d+$/, '').replace(/(USDT|USDC|USD)$/, '')
}

function symbolInfo(symbol: string, contractType: string, deliveryDate: number) {
  const pair = symbol.replace(/_\d+$/, '')
  const precision = PRECISION[pair] ?? OTHER
  return {
    symbol,
    pair,
    contractType,
    deliveryDate,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: baseAsset(symbol),
    quoteAsset: 'USDT',
    marginAsset: 'USDT',
    pricePrecision: precision.price,
    quantityPrecision: precision.quantity,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    filters: [
      {
        minPrice: '0.01',
        maxPrice: '4529764',
        filterType: 'PRICE_FILTER',
        tickSize: precision.tickSize,
      },
      {
        stepSize: precision.stepSize,
        filterType: 'LOT_SIZE',
        maxQty: '1000',
        minQty: precision.stepSize,
      },
      {
        stepSize: precision.stepSize,
        filterType: 'MARKET_LOT_SIZE',
        maxQty: '120',
        minQty: precision.stepSize,
      },
      { limit: 200, filterType: 'MAX_NUM_ORDERS' },
      { limit: 10, filterType: 'MAX_NUM_ALGO_ORDERS' },
      { notional: '100', filterType: 'MIN_NOTIONAL' },
      {
        multiplierDown: '0.9500',
        multiplierUp: '1.0500',
        multiplierDecimal: '4',
        filterType: 'PERCENT_PRICE',
      },
    ],
    orderTypes: [
      'LIMIT',
      'MARKET',
      'STOP',
      'STOP_MARKET',
      'TAKE_PROFIT',
      'TAKE_PROFIT_MARKET',
      'TRAILING_STOP_MARKET',
    ],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
  }
}

/** The exchangeInfo body listing `perpetuals` plus one delivery contract. */
export function exchangeInfoBody(perpetuals: readonly string[], now: number) {
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [
      { asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' },
      { asset: 'BTC', marginAvailable: true, autoAssetExchange: '-0.10000000' },
      { asset: 'ETH', marginAvailable: true, autoAssetExchange: '-2.00000000' },
    ],
    symbols: [
      ...perpetuals.map((symbol) => symbolInfo(symbol, 'PERPETUAL', 4133404800000)),
      // 2025-03-28 08:00 UTC, Binance's quarterly settlement time
      symbolInfo(DELIVERY_CONTRACT, 'CURRENT_QUARTER', 1743148800000),
    ],
  }
}
