import { Transform } from 'node:stream'
import { prettyFactory } from 'pino-pretty'

/** LOG_FORMAT: `json` (one pino object a line, for machines) or `pretty` (for people). */
export const LOG_FORMATS = ['json', 'pretty'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export interface LogFormatInput {
  /** LOG_FORMAT when set: it always wins */
  requested?: LogFormat
  /** whether the logs go to a terminal (`process.stdout.isTTY`) */
  isTTY: boolean
  /** the environment, read for the markers of CI and containers */
  env: Readonly<Record<string, string | undefined>>
}

const isSet = (value: string | undefined) =>
  value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'

/**
 * Pretty only for a person at a terminal; JSON everywhere else: piped or redirected output,
 * CI (which often fakes a terminal), containers (Kubernetes, podman and systemd set markers).
 */
export function chooseLogFormat({ requested, isTTY, env }: LogFormatInput): LogFormat {
  if (requested !== undefined) return requested
  if (!isTTY) return 'json'
  if (isSet(env.CI) || env.KUBERNETES_SERVICE_HOST !== undefined || env.container !== undefined) {
    return 'json'
  }
  return 'pretty'
}

/**
 * A stream that turns pino JSON lines into one readable line each (time, level, service,
 * message, then the fields); anything else (a child's stray print) passes through as it is.
 */
export function prettyLogLines(options: { colorize: boolean }): Transform {
  const pretty = prettyFactory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '{service}: {msg}',
    ignore: 'service',
    singleLine: true,
  })
  const format = (line: string): string => {
    if (!line.startsWith('{')) return `${line}\n`
    try {
      JSON.parse(line)
    } catch {
      return `${line}\n`
    }
    return pretty(line)
  }
  let partial = ''
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop() ?? ''
      done(null, lines.map(format).join(''))
    },
    flush(done) {
      done(null, partial === '' ? '' : format(partial))
    },
  })
}
