import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { freePort } from '@takashi/local-redis'
import { redisTest as test } from '@takashi/testing'
import { SHIPPED_PROJECTS, stageRuntime } from '../../deploy/stage-runtime.ts'
import { healthcheckCommand, readDockerfile } from './dockerfile.ts'
import { hasRedisServer, TEST_REDIS_PASSWORD, withRedisServer } from './redis-ha.ts'
import { composeRedis } from './secured-redis.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const entrypoint = join(root, 'deploy/entrypoint.sh')
let app = ''

/**
 * Runs a build step to its end without blocking this worker: a blocked worker cannot answer
 * vitest's calls, which time out after 60 s on a loaded machine.
 */
async function step(command: string, args: string[], options: { cwd: string; env?: object }) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const [status] = (await once(child, 'close')) as [number | null]
  return { status, output }
}

// The image's build steps, without Docker: tsc with the deploy config, the runtime layout, a
// production install from the lockfile (offline, as in the image: everything it needs is in the
// store already); then the compiled services run under plain node.
beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'takashi-image-'))
  const tsc = await step(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'deploy/tsconfig.build.json',
      '--outDir',
      app,
    ],
    { cwd: root }
  )
  expect(tsc.status, tsc.output).toBe(0)
  stageRuntime(root, app)
  const install = await step(
    'pnpm',
    ['install', '--prod', '--frozen-lockfile', '--offline', '--reporter=silent'],
    { cwd: app, env: { CI: 'true' } }
  )
  expect(install.status, install.output).toBe(0)
}, 180_000)

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true })
})

/** Runs `takashi <service>` (deploy/entrypoint.sh) against the staged tree. */
function run(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn('sh', [entrypoint, ...args], {
    env: { ...process.env, NODE_ENV: 'production', TAKASHI_HOME: app, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return {
    output: () => output,
    async stop(): Promise<number | null> {
      if (child.exitCode !== null) return child.exitCode
      const exited = once(child, 'exit') as Promise<[number | null]>
      child.kill('SIGTERM')
      return (await exited)[0]
    },
  }
}

const statusOf = (url: string) =>
  fetch(url).then(
    (res) => res.status,
    () => 0
  )

/** Exit code of the Dockerfile's HEALTHCHECK command run with `env`. */
function healthcheck(env: Record<string, string>): number | null {
  const [command, ...args] = healthcheckCommand(readDockerfile())
  const result = spawnSync(command!, args, { env: { ...process.env, ...env }, timeout: 10_000 })
  return result.status
}

describe('the image build, run without Docker', () => {
  test('ships compiled JS with package exports that name it, and no dev dependencies', () => {
    for (const project of SHIPPED_PROJECTS) {
      const pkg = JSON.parse(readFileSync(join(app, project, 'package.json'), 'utf8')) as {
        exports?: Record<string, string>
      }
      for (const target of Object.values(pkg.exports ?? {})) {
        expect(target).toMatch(/\.js$/)
        expect(existsSync(join(app, project, target))).toBe(true)
      }
    }
    expect(existsSync(join(app, 'services/gateway/src/main.js'))).toBe(true)
    expect(existsSync(join(app, 'services/gateway/src/main.ts'))).toBe(false)
    expect(existsSync(join(app, 'node_modules/.pnpm/node_modules/express'))).toBe(true)
    expect(existsSync(join(app, 'node_modules/.pnpm/node_modules/vitest'))).toBe(false)
    expect(existsSync(join(app, 'node_modules/.pnpm/node_modules/typescript'))).toBe(false)
  })

  test('the compiled gateway answers /health 200 from a real Redis, passes the HEALTHCHECK and exits 0 on SIGTERM', async ({
    redisUrl,
  }) => {
    const port = await freePort()
    const gateway = run(['gateway'], {
      REDIS_URL: redisUrl,
      PORT: String(port),
      EXCHANGES: 'binance',
    })
    try {
      await expect
        .poll(() => statusOf(`http://127.0.0.1:${port}/health`), { timeout: 15_000 })
        .toBe(200)
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as object
      expect(health).toMatchObject({ redis: 'ok', exchanges: { binance: {} } })
      expect(await statusOf(`http://127.0.0.1:${port}/readyz`)).toBe(200)
      expect(healthcheck({ PORT: String(port), METRICS_PORT: '', PROBE_PORT: '' })).toBe(0)
    } finally {
      expect(await gateway.stop(), gateway.output()).toBe(0)
    }
    expect(healthcheck({ PORT: String(port), METRICS_PORT: '', PROBE_PORT: '' })).toBe(1)
  }, 30_000)

  // against docker-compose.yml's Redis ACL (the takashi user, no dangerous commands) with the
  // REDIS_URL compose gives it: BullMQ's job scheduler and the consumer group work within it
  test.skipIf(!hasRedisServer)(
    'the compiled aggregator becomes ready on METRICS_PORT behind the compose Redis ACL; an unknown service is refused',
    async () => {
      const metricsPort = await freePort()
      const redis = composeRedis()
      const dir = mkdtempSync(join(tmpdir(), 'takashi-acl-'))
      await withRedisServer(
        redis.args,
        dir,
        async (admin) => {
          const aggregator = run(['aggregator'], {
            REDIS_URL: redis.url(admin.options.port!),
            METRICS_PORT: String(metricsPort),
          })
          try {
            await expect
              .poll(() => statusOf(`http://127.0.0.1:${metricsPort}/readyz`), { timeout: 15_000 })
              .toBe(200)
            expect(healthcheck({ METRICS_PORT: String(metricsPort), PROBE_PORT: '' })).toBe(0)
            // the spike monitor's job scheduler was created through the ACL user
            await expect.poll(() => admin.dbsize()).toBeGreaterThan(0)
          } finally {
            expect(await aggregator.stop(), aggregator.output()).toBe(0)
          }
          expect(aggregator.output()).not.toMatch(/NOPERM/)
        },
        { username: 'takashi', password: TEST_REDIS_PASSWORD }
      )
      rmSync(dir, { recursive: true, force: true })
      const unknown = spawnSync('sh', [entrypoint, 'launcher'], { encoding: 'utf8' })
      expect(unknown.status).toBe(64)
      expect(unknown.stderr).toContain("unknown service 'launcher'")
    },
    30_000
  )
})
