import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { freePort } from '@takashi/local-redis'
import { dockerReachable } from '@takashi/testing'

const root = fileURLToPath(new URL('../../', import.meta.url))
const docker = await dockerReachable()
const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0
if (!docker) {
  console.log(
    'docker-stack.test.ts: no Docker engine answers here: the image build and the compose smoke ' +
      'check are skipped (image-build.test.ts runs the same build steps without Docker)'
  )
} else if (!compose) {
  console.log(
    'docker-stack.test.ts: the docker compose plugin is missing: the smoke check is skipped'
  )
}

// One project of its own, so a stack the user runs (project `takashi`) is left alone.
const project = `takashi-smoke-${randomBytes(3).toString('hex')}`
const password = randomBytes(16).toString('hex')

/**
 * Runs a docker command to its end without blocking this worker (a build takes minutes; a
 * blocked worker cannot answer vitest's calls): its exit status and the tail of its output.
 */
async function run(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const [status] = (await once(child, 'close')) as [number | null]
  return { status, output: output.slice(-4000) }
}

describe('deploy/Dockerfile in a real Docker engine', () => {
  test.skipIf(!docker)(
    'builds, and the image runs the entry point as the unprivileged node user on Node 24',
    async () => {
      const build = await run('docker', [
        'build',
        '-f',
        'deploy/Dockerfile',
        '-t',
        'takashi:local',
        '.',
      ])
      expect(build.status, build.output).toBe(0)
      const node = await run('docker', [
        'run',
        '--rm',
        '--entrypoint',
        'node',
        'takashi:local',
        '-p',
        'process.version + " " + process.getuid()',
      ])
      expect(node.output).toMatch(/^v24\.\d+\.\d+ 1000/)
      const unknown = await run('docker', ['run', '--rm', 'takashi:local', 'launcher'])
      expect(unknown.status).toBe(64)
    },
    900_000
  )

  describe('the compose stack smoke check', () => {
    const env: Record<string, string> = {
      REDIS_PASSWORD: password,
      GRAFANA_ADMIN_PASSWORD: password,
    }
    const composeRun = async (...args: string[]) =>
      run('docker', ['compose', '-p', project, ...args], env)
    afterAll(async () => {
      if (docker && compose) await composeRun('down', '-v', '--remove-orphans')
    }, 120_000)

    test.skipIf(!docker || !compose)(
      'comes up behind the balancer; Redis refuses unauthenticated clients and takes the takashi user',
      async () => {
        env.PORT = String(await freePort())
        env.PROMETHEUS_PORT = String(await freePort())
        env.GRAFANA_PORT = String(await freePort())
        const up = await composeRun('up', '-d', '--no-build', 'lb')
        expect(up.status, up.output).toBe(0)
        const base = `http://127.0.0.1:${env.PORT}`
        const status = (path: string) =>
          fetch(`${base}${path}`).then(
            (res) => res.status,
            () => 0
          )
        await expect
          .poll(() => status('/lb/livez'), { timeout: 120_000, interval: 1_000 })
          .toBe(200)
        // a gateway answers through nginx once its Redis connection is ready
        await expect.poll(() => status('/readyz'), { timeout: 60_000, interval: 1_000 }).toBe(200)

        // the container's REDISCLI_AUTH holds the password: without it, redis-cli is anonymous
        const anonymous = await composeRun(
          'exec',
          '-T',
          'redis',
          'env',
          '-u',
          'REDISCLI_AUTH',
          'redis-cli',
          'ping'
        )
        expect(anonymous.output).toMatch(/NOAUTH|WRONGPASS/)
        expect(anonymous.output).not.toMatch(/PONG/)
        const takashi = await composeRun(
          'exec',
          '-T',
          'redis',
          'redis-cli',
          '--no-auth-warning',
          '--user',
          'takashi',
          'ping'
        )
        expect(takashi.output.trim()).toBe('PONG')
        const flush = await composeRun(
          'exec',
          '-T',
          'redis',
          'redis-cli',
          '--no-auth-warning',
          '--user',
          'takashi',
          'flushall'
        )
        expect(flush.output).toMatch(/NOPERM/)
      },
      300_000
    )
  })
})
