import { describe, expect, test } from 'vitest'
import { startDemo } from './launcher.ts'

// The launcher shows its children's logs as readable lines to a person at a terminal and keeps
// them JSON anywhere else. Here stdout is a pipe: JSON unless LOG_FORMAT=pretty asks otherwise.
describe('pnpm demo logs', () => {
  test('LOG_FORMAT=pretty: one readable line per log record', async () => {
    const demo = await startDemo({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' })
    try {
      await expect
        .poll(() => demo.output(), { timeout: 40_000, interval: 200 })
        .toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway: gateway listening \{"port":\d+/)
      await expect
        .poll(() => demo.output(), { timeout: 40_000, interval: 200 })
        .toMatch(/INFO: aggregator: aggregator started/)
      expect(demo.output()).not.toContain('{"level":')
    } finally {
      expect(await demo.stop(), demo.output().slice(-3000)).toBe(0)
    }
  }, 60_000)

  test('piped output stays JSON by default', async () => {
    const demo = await startDemo({ LOG_LEVEL: 'info' })
    try {
      const listening = () =>
        demo
          .output()
          .split('\n')
          .find((line) => line.includes('"gateway listening"'))
      await expect.poll(listening, { timeout: 40_000, interval: 200 }).toBeDefined()
      expect(JSON.parse(listening()!)).toMatchObject({
        level: 30,
        service: 'gateway',
        msg: 'gateway listening',
      })
    } finally {
      expect(await demo.stop(), demo.output().slice(-3000)).toBe(0)
    }
  }, 60_000)
})
