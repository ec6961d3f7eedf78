export * from './logger.ts'
export * from './metrics.ts'
export * from './shutdown.ts'
export * from './log-format.ts'
