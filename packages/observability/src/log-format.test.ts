import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { chooseLogFormat, prettyLogLines } from './log-format.ts'
import { createLogger } from './logger.ts'

describe('which log format', () => {
  const terminal = { isTTY: true, env: {} }

  it('pretty for a person at a terminal, JSON when piped or redirected', () => {
    expect(chooseLogFormat(terminal)).toBe('pretty')
    expect(chooseLogFormat({ isTTY: false, env: {} })).toBe('json')
  })

  it('JSON in CI and in containers even on a terminal', () => {
    expect(chooseLogFormat({ isTTY: true, env: { CI: 'true' } })).toBe('json')
    expect(chooseLogFormat({ isTTY: true, env: { CI: '1' } })).toBe('json')
    expect(chooseLogFormat({ isTTY: true, env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } })).toBe(
      'json'
    )
    expect(chooseLogFormat({ isTTY: true, env: { container: 'podman' } })).toBe('json')
    // CI=false (as some tools set it) is no CI
    expect(chooseLogFormat({ isTTY: true, env: { CI: 'false' } })).toBe('pretty')
    expect(chooseLogFormat({ isTTY: true, env: { CI: '' } })).toBe('pretty')
  })

  it('LOG_FORMAT wins over everything', () => {
    expect(chooseLogFormat({ ...terminal, requested: 'json' })).toBe('json')
    expect(chooseLogFormat({ isTTY: false, env: { CI: 'true' }, requested: 'pretty' })).toBe(
      'pretty'
    )
  })
})

/** What `prettyLogLines` makes of `chunks`, written one after the other. */
async function prettified(chunks: string[]): Promise<string> {
  let out = ''
  await pipeline(
    Readable.from(chunks),
    prettyLogLines({ colorize: false }),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString()
        done()
      },
    })
  )
  return out
}

describe('pretty log lines', () => {
  it('one readable line per pino line: time, level, service, message, fields', async () => {
    const lines: string[] = []
    const log = createLogger({
      service: 'gateway',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString())
          done()
        },
      }),
    })
    log.child({ exchange: 'okx' }).warn({ conn_id: 3 }, 'ws connection failed')
    const out = await prettified(lines)
    expect(out).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: gateway: ws connection failed \{"exchange":"okx","conn_id":3\}\n$/
    )
  })

  it('joins a line split across chunks; other text passes unchanged', async () => {
    const line = JSON.stringify({ level: 30, time: 0, service: 'aggregator', msg: 'started' })
    const out = await prettified([
      'plain text from a child\n',
      line.slice(0, 10),
      `${line.slice(10)}\n{not json\n`,
      'no newline at the end',
    ])
    const [plain, pretty, broken, last] = out.split('\n')
    expect(plain).toBe('plain text from a child')
    expect(pretty).toMatch(/INFO: aggregator: started$/)
    expect(broken).toBe('{not json')
    expect(last).toBe('no newline at the end')
  })
})
