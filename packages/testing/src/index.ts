export * from './redis.ts'
export * from './fake-binance.ts'
export * from './fake-bybit.ts'
export * from './fake-hyperliquid.ts'
