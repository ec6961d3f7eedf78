import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePorts } from '@takashi/local-redis'

/** The Redis password the tests give the deploy files (REDIS_PASSWORD, the Secret's value). */
export const TEST_REDIS_PASSWORD = 'test-only-0f1e2d3c4b5a'

/** The kubelet's expansion of `$(NAME)` in a container's command and args from its env. */
export const kubeletExpand = (value: string, env: Record<string, string>) =>
  value.replace(/\$\((\w+)\)/g, (match, name: string) => env[name] ?? match)

/** Whether a real redis-server is on this machine. */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0

export interface ScriptRun {
  /** the files the script wrote, by the path the container sees (e.g. /conf/redis.conf) */
  files: Record<string, string>
  /** the command the script finally exec'd, paths as the container sees them */
  exec: string[]
  /** the folder the container paths were mapped to */
  dir: string
}

/**
 * Runs a container's start script with `sh` as the container would, in a temp folder standing
 * in for its volumes (`paths`). Stubs on PATH stand in for the rest: `hostname` prints
 * `hostname`, `redis-cli` answers `get-master-addr-by-name` with `sentinelAnswer` ("host port";
 * unset: no Sentinel reachable) and PING with PONG, and the program exec'd at the end
 * (`redis-server`, `docker-entrypoint.sh`) records its arguments instead of running.
 */
export function runStartScript(
  script: string,
  options: {
    paths: string[]
    args?: string[]
    env?: Record<string, string>
    hostname?: string
    sentinelAnswer?: string
  }
): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'takashi-redis-ha-'))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  stub('hostname', 'echo "$STUB_HOSTNAME"')
  stub(
    'redis-cli',
    [
      'case "$*" in',
      '  *get-master-addr-by-name*) [ -n "$STUB_MASTER" ] || exit 1; printf "%s\\n%s\\n" $STUB_MASTER ;;',
      '  *ping*) echo PONG ;;',
      '  *) exit 1 ;;',
      'esac',
    ].join('\n')
  )
  for (const name of ['redis-server', 'docker-entrypoint.sh']) {
    stub(name, `printf '%s\\n' ${name} "$@" > "$STUB_EXEC"`)
  }
  let text = script
  for (const path of options.paths) {
    mkdirSync(join(dir, path), { recursive: true })
    text = text.replaceAll(`${path}/`, `${join(dir, path)}/`)
  }
  const record = join(dir, 'exec')
  const run = spawnSync('sh', ['-c', text, ...(options.args ?? [])], {
    encoding: 'utf8',
    timeout: 15_000,
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      STUB_HOSTNAME: options.hostname ?? '',
      STUB_MASTER: options.sentinelAnswer ?? '',
      STUB_EXEC: record,
      ...options.env,
    },
  })
  if (run.status !== 0) throw new Error(`start script failed (${run.status}): ${run.stderr}`)
  const unmap = (value: string) =>
    options.paths.reduce((v, path) => v.replaceAll(join(dir, path), path), value)
  const files: Record<string, string> = {}
  for (const path of options.paths) {
    for (const name of ['redis.conf', 'sentinel.conf']) {
      try {
        files[`${path}/${name}`] = readFileSync(join(dir, path, name), 'utf8')
      } catch {
        // not written by this script
      }
    }
  }
  const exec = readFileSync(record, 'utf8').split('\n').slice(0, -1).map(unmap)
  return { files, exec, dir }
}

/** A config file's directives: the first word of each line → the rest of it (last one wins). */
export function directives(conf: string): Map<string, string> {
  const lines = conf.split('\n').map((line) => line.trim())
  return new Map(
    lines
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const [word, ...rest] = line.split(/\s+/)
        // `sentinel x ...` directives are keyed by both words
        return word === 'sentinel'
          ? [`sentinel ${rest[0]}`, rest.slice(1).join(' ')]
          : [word!, rest.join(' ')]
      })
  )
}

/**
 * Starts a real redis-server with `args` (a generated config file and what follows it) on a free
 * loopback port in `dir`, runs `check` against it, connected as `auth` if given, and stops it.
 */
export async function withRedisServer<T>(
  args: string[],
  dir: string,
  check: (redis: Redis) => Promise<T>,
  auth: { username?: string; password?: string } = {}
): Promise<T> {
  const port = await freePorts(1)
  const child = spawn(
    'redis-server',
    [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)))
  let redis: Redis | undefined
  try {
    const deadline = Date.now() + 10_000
    while (!redis) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`)
      const client = new Redis({
        port,
        host: '127.0.0.1',
        ...auth,
        lazyConnect: true,
        retryStrategy: () => null,
      })
      client.on('error', () => {})
      if (
        await client.connect().then(
          () => true,
          () => false
        )
      )
        redis = client
      else client.disconnect()
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${stderr}`)
      if (!redis) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return await check(redis)
  } finally {
    redis?.disconnect()
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }
}
