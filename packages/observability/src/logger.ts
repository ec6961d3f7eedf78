import { pino, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

/** Plain pino JSON on stdout; modules take children (`log.child({ exchange })`). */
export function createLogger(options: { service: string; level?: LevelWithSilent }): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
  })
}

/**
 * Logs a connection's errors at most once per `everyMs`: a Redis that is down fails every
 * reconnect attempt, and a log line per attempt would drown everything else.
 */
export function logConnectionErrors(
  connection: { on(event: 'error', listener: (err: Error) => void): unknown },
  log: Logger,
  message: string,
  everyMs = 30_000
): void {
  let lastAt = 0
  let suppressed = 0
  connection.on('error', (err) => {
    const now = Date.now()
    if (now - lastAt < everyMs) {
      suppressed++
      return
    }
    log.warn({ err, suppressed }, message)
    lastAt = now
    suppressed = 0
  })
}
