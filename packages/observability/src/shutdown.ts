import type { Logger } from 'pino'

/**
 * Runs `stop` on SIGINT/SIGTERM, then exits 0. A stop that hangs (a blocking Redis command whose
 * server is gone, say) must not keep the process alive: after `graceMs` it exits 1 regardless.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    setTimeout(() => {
      log.error({ grace_ms: graceMs }, 'stop did not finish in time, exiting')
      process.exit(1)
    }, graceMs).unref()
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed')
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', handle)
  process.on('SIGTERM', handle)
}
