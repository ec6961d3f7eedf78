import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { redisTest as test } from '@takashi/testing'
import { cleanups } from '../../../test/e2e/helpers.ts'
import { startStack } from './stack.ts'

// The README promises a ten-line script that prints liquidations and survives a gateway restart
// without losing one. This runs that very block, as a separate Node process, against a gateway
// that is stopped and started again.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const script = /## Ten lines[^\n]*\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
const entry = fileURLToPath(new URL('../src/node.ts', import.meta.url))
const root = fileURLToPath(new URL('../../../', import.meta.url))

test('the README script prints every liquidation once across a gateway restart', async ({
  redis,
  redisUrl,
  keys,
}) => {
  expect(script.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(10)
  const stack = await startStack({ redis, redisUrl, keys })
  const dir = mkdtempSync(join(tmpdir(), 'takashi-readme-'))
  const file = join(dir, 'liquidations.ts')
  writeFileSync(file, script.replace("'@takashi/client'", JSON.stringify(entry)))
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, TAKASHI_URL: stack.gateway.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  cleanups.push(() => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const printed = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '))
  // a subscription is live once the feed position was read for it: one REST call after `open`
  const feedRead = async () => {
    const reads = await stack.client().metrics()
    return /takashi_gateway_http_requests_total\{[^}]*route="\/liquidations"[^}]*\} [1-9]/.test(
      reads
    )
  }

  await expect.poll(() => stderr, { timeout: 20_000 }).toContain('[open]')
  await expect.poll(feedRead).toBe(true)
  stack.liquidate(0.1)
  stack.liquidate(0.2)
  await expect.poll(() => printed().map((fields) => fields[4])).toEqual(['0.1', '0.2'])

  await stack.gateway.stop()
  await expect.poll(() => stderr).toContain('[reconnecting]')
  stack.liquidate(0.3)
  stack.liquidate(0.4)
  await expect.poll(() => redis.xlen(keys.feed('liquidations'))).toBe(4)
  await stack.gateway.start()
  await expect.poll(() => printed().length, { timeout: 20_000 }).toBe(4)
  stack.liquidate(0.5)

  await expect
    .poll(() => printed().map((fields) => fields[4]))
    .toEqual(['0.1', '0.2', '0.3', '0.4', '0.5'])
  const [first] = printed()
  expect(first?.slice(1, 4)).toEqual(['binance', 'BTCUSDT', 'long'])
  expect(first?.[5]).toBe('6400')
  expect(new Set(printed().map((fields) => fields[0])).size).toBe(5)
}, 60_000)
