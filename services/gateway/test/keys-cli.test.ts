import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalRedis, type LocalRedis } from '@takashi/local-redis'

// The real command, as `pnpm keys` runs it, against a Redis of its own (it uses the default
// key prefix, which no other test shares).
const CLI = fileURLToPath(new URL('../src/keys-cli.ts', import.meta.url))

let server: LocalRedis
beforeAll(async () => {
  server = await startLocalRedis()
})
afterAll(() => server.stop())

function keys(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, REDIS_URL: server.url, REDIS_SENTINELS: '', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr })
    )
  })
}

describe('pnpm keys', () => {
  it('creates a key once, lists it without the key, and revokes it', async () => {
    const created = await keys([
      'create',
      '--name',
      'desk',
      '--rpm',
      '600',
      '--ws-connections',
      '5',
    ])
    expect(created.code).toBe(0)
    const key = JSON.parse(created.stdout) as { id: string; key: string; rpm: number }
    expect(key).toMatchObject({ name: 'desk', rpm: 600, ws_connections: 5 })
    expect(key.key).toMatch(/^tk_/)

    const listed = await keys(['list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).not.toContain(key.key)
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ id: key.id }))

    const revoked = await keys(['revoke', key.id])
    expect(revoked.code).toBe(0)
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      id: key.id,
      revoked_at: expect.any(Number) as number,
    })
  })

  it('explains itself and refuses bad input with a clear message', async () => {
    const help = await keys(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('create --name NAME')

    // each command is its own process: run them side by side
    const [noName, badRpm, unknown, missing, noRedis] = await Promise.all([
      keys(['create']),
      keys(['create', '--name', 'x', '--rpm', 'lots']),
      keys(['rotate']),
      keys(['revoke', 'key_000000000000']),
      keys(['list'], { REDIS_URL: '' }),
    ])
    expect(noName.code).toBe(2)
    expect(noName.stderr).toContain('--name: required')
    expect(badRpm.code).toBe(2)
    expect(badRpm.stderr).toContain("--rpm: expected a whole number of at least 1, got 'lots'")
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown command 'rotate'")
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("no key with id 'key_000000000000'")
    expect(noRedis.code).toBe(1)
    expect(noRedis.stderr).toContain('REDIS_URL')
  })
})
