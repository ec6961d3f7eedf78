export * from './env.ts'
export * from './fragments.ts'
export * from './backbone.ts'
