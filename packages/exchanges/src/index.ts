export * from './adapter.ts'
export * from './market.ts'
export * from './registry.ts'
export * from './urls.ts'
