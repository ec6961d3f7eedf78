// A throwaway redis-server and free loopback ports for `pnpm start`, the tests and the bench.
// Dev-only: nothing in the production image imports this package.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export interface LocalRedis {
  url: string
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServer(binary = 'redis-server'): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0
}

// Ports are picked below the kernel's usual ephemeral range (32768–60999), so the local port of
// some outgoing connection cannot take one between the check here and the bind of whoever asked.
const FIRST_PORT = 20_000
const LAST_PORT = 32_767
// ports this process already handed out: two callers never get the same one
const handedOut = new Set<number>()

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return freePorts(1)
}

/** The first of `count` consecutive TCP ports that are free on the loopback now. */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT - count))
    let free = true
    for (let port = first; port < first + count && free; port++) {
      free = !handedOut.has(port) && (await isFree(port))
    }
    if (free) {
      for (let port = first; port < first + count; port++) handedOut.add(port)
      return first
    }
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * Starts a private `redis-server` on a free loopback port (or `options.port`, to restart one in
 * place) with persistence off, and resolves once it answers PING. Used by `pnpm start` without
 * REDIS_URL and by the tests.
 */
export async function startLocalRedis(
  binary = 'redis-server',
  options: { port?: number } = {}
): Promise<LocalRedis> {
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort())
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--loglevel',
        'warning',
      ],
      // detached: a Ctrl-C meant for the launcher must not stop Redis before the processes using it
      { stdio: 'ignore', detached: true }
    )
    const url = `redis://127.0.0.1:${port}`
    try {
      await waitForPing(url, child)
      return {
        url,
        port,
        process: child,
        stop: () =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGTERM')
          }),
      }
    } catch (error) {
      child.kill('SIGKILL')
      if (attempt >= 3 || options.port !== undefined) throw error
    }
  }
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 5_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => {})
    try {
      await probe.connect()
      if ((await probe.ping()) === 'PONG') return
    } catch {
      // not up yet
    } finally {
      probe.disconnect()
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('redis-server did not answer within 5 s')
}
