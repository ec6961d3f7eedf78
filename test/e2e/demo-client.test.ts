import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, onTestFinished, test } from 'vitest'
import { compareEventIds, createClient } from '@takashi/client'
import { startDemo } from './launcher.ts'

// The "done when": against `pnpm demo`, the ten-line script of the client's README prints
// liquidations and survives a gateway restart without losing one. The gateway process is killed;
// the launcher starts it again; every liquidation the feed holds between the script's first and
// last line was printed, once, in order.

const readme = readFileSync(new URL('../../packages/client/README.md', import.meta.url), 'utf8')
const script = /## Ten lines[^\n]*\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
const entry = fileURLToPath(new URL('../../packages/client/src/node.ts', import.meta.url))
const root = fileURLToPath(new URL('../../', import.meta.url))

/** The pid of the gateway child serving `port` (its command line and PORT say which). */
function gatewayPid(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      if (!cmdline.includes('services/gateway/src/main.ts')) continue
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0')
      if (environ.includes(`PORT=${port}`)) return Number(name)
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined
}

test.runIf(process.platform === 'linux')(
  'the README liquidation script survives a gateway restart in pnpm demo without losing one',
  async () => {
    const demo = await startDemo()
    onTestFinished(async () => {
      expect(await demo.stop(), demo.output().slice(-3000)).toBe(0)
    })
    const baseUrl = `http://127.0.0.1:${demo.port}`
    const dir = mkdtempSync(join(tmpdir(), 'takashi-demo-client-'))
    const file = join(dir, 'liquidations.ts')
    writeFileSync(file, script.replace("'@takashi/client'", JSON.stringify(entry)))
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, TAKASHI_URL: baseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    onTestFinished(() => {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const printedIds = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ')[0]!)

    // the simulator liquidates every 5-10 s
    await expect.poll(() => printedIds().length, { timeout: 60_000 }).toBeGreaterThan(0)
    const pid = gatewayPid(demo.port)
    expect(pid).toBeDefined()
    process.kill(pid!, 'SIGKILL')
    await expect.poll(() => stderr, { timeout: 20_000 }).toContain('[reconnecting]')
    const printedBefore = printedIds().length
    await expect
      .poll(() => stderr.split('[reconnecting]').at(-1), { timeout: 30_000 })
      .toContain('[open]')
    await expect
      .poll(() => printedIds().length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(printedBefore + 2)

    const printed = printedIds()
    const first = printed[0]!
    const last = printed.at(-1)!
    const held = (await createClient({ baseUrl }).liquidations({ limit: 1000 }))
      .map((liquidation) => liquidation.id)
      .filter((id) => compareEventIds(id, first) >= 0 && compareEventIds(id, last) <= 0)
      .reverse()
    expect(printed).toEqual(held)
  },
  150_000
)
