import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*(?::[^\s/@]*)?@/gi

/** `redis://user:secret@host` → `redis://***@host`: logs never carry credentials from URLs. */
export function maskCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@')
}

function maskFields(object: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) {
    masked[key] = typeof value === 'string' ? maskCredentials(value) : value
  }
  return masked
}

/** Plain pino JSON on stdout; modules take children (`log.child({ exchange })`). */
export function createLogger(options: {
  service: string
  level?: LevelWithSilent
  /** where lines go; default stdout */
  destination?: DestinationStream
}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: maskFields },
      serializers: {
        err: (err: Error) => {
          const serialized = pino.stdSerializers.err(err)
          serialized.message = maskCredentials(serialized.message)
          if (serialized.stack) serialized.stack = maskCredentials(serialized.stack)
          return serialized
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? maskCredentials(arg) : arg)) as Parameters<
              typeof method
            >
          )
        },
      },
    },
    options.destination
  )
}

/**
 * A warning logged at most once per `everyMs` with the count of those it held back: a Redis
 * that is down fails every attempt, and a line per attempt would drown everything else.
 */
export function throttledWarn(
  log: Logger,
  message: string,
  everyMs = 30_000
): (err?: unknown) => void {
  let lastAt = -Infinity
  let suppressed = 0
  return (err) => {
    const now = Date.now()
    if (now - lastAt < everyMs) {
      suppressed++
      return
    }
    log.warn({ err, suppressed }, message)
    lastAt = now
    suppressed = 0
  }
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
  connection.on('error', throttledWarn(log, message, everyMs))
}
