export * from './records.ts'
export * from './api.ts'
export * from './normalized.ts'
export * from './kinds.ts'
