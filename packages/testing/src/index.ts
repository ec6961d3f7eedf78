export * from './redis.ts'
export * from './sentinel.ts'
export * from './owned-redis.ts'
export * from './metrics.ts'
