import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, maskCredentials } from './logger.ts'

describe('logs never carry credentials from URLs', () => {
  it('masks user and password of any URL in a text', () => {
    expect(maskCredentials('connect redis://app:s3cret@redis:6379/0 failed')).toBe(
      'connect redis://***@redis:6379/0 failed'
    )
    expect(maskCredentials('rediss://:only-password@host')).toBe('rediss://***@host')
    expect(maskCredentials('https://fapi.binance.com/fapi/v1/klines')).toBe(
      'https://fapi.binance.com/fapi/v1/klines'
    )
  })

  it('masks them in messages, fields and errors of the service logger', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const log = createLogger({ service: 'test', destination: sink })
    log.warn(
      { url: 'redis://u:pw@h:1', err: new Error('redis://u:pw@h:1 refused') },
      'lost redis://u:pw@h:1'
    )
    expect(lines.join('')).not.toContain('pw')
    expect(lines.join('')).toContain('redis://***@h:1')
  })
})
