export * from './adapter.ts'
export * from './registry.ts'
