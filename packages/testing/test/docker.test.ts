import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import {
  dockerEndpoints,
  dockerReachable,
  pingDocker,
  redisTest,
  testRedisSource,
} from '../src/index.ts'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'takashi-docker-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An HTTP server on a unix socket standing in for the engine's API. */
async function fakeEngine(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const socketPath = join(tempDir(), 'docker.sock')
  const server: Server = createServer(handler)
  server.listen(socketPath)
  await once(server, 'listening')
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return socketPath
}

describe('the Docker probe', () => {
  test('DOCKER_HOST names the endpoint; without it, only sockets that exist are tried', async () => {
    expect(dockerEndpoints({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual([
      { socketPath: '/run/user/1000/docker.sock' },
    ])
    expect(dockerEndpoints({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toEqual([
      { host: '10.0.0.5', port: 2375 },
    ])
    expect(dockerEndpoints({ DOCKER_HOST: 'ssh://me@host' })).toEqual([])
    const socketPath = await fakeEngine((_req, res) => res.end('OK'))
    const runtime = join(socketPath, '..')
    expect(dockerEndpoints({ XDG_RUNTIME_DIR: runtime })).toContainEqual({ socketPath })
    const empty = tempDir()
    const found = dockerEndpoints({ XDG_RUNTIME_DIR: empty }).map((e) => JSON.stringify(e))
    expect(found.filter((e) => e.includes(empty))).toEqual([])
  })

  test('an engine answering /_ping with OK is reachable; an error, a silence or no socket is not', async () => {
    const paths: string[] = []
    const healthy = await fakeEngine((req, res) => {
      paths.push(req.url ?? '')
      res.end('OK')
    })
    expect(await pingDocker({ socketPath: healthy })).toBe(true)
    expect(paths).toEqual(['/_ping'])

    const failing = await fakeEngine((_req, res) => {
      res.statusCode = 500
      res.end('Internal Server Error')
    })
    expect(await pingDocker({ socketPath: failing })).toBe(false)

    const silent = await fakeEngine(() => {})
    const started = Date.now()
    expect(await pingDocker({ socketPath: silent }, 200)).toBe(false)
    expect(Date.now() - started).toBeLessThan(2_000)

    expect(await pingDocker({ socketPath: join(tempDir(), 'missing.sock') })).toBe(false)
  })

  test('the test Redis: REDIS_URL first, then a container where Docker answers, else local', () => {
    expect(testRedisSource({ REDIS_URL: 'redis://elsewhere:6379' }, true)).toBe('external')
    expect(testRedisSource({}, true)).toBe('container')
    expect(testRedisSource({}, false)).toBe('local')
  })
})

redisTest(
  'redisTest gives a working Redis from the source this machine allows',
  async ({ redis, redisUrl }) => {
    expect(await redis.ping()).toBe('PONG')
    const source = testRedisSource(process.env, await dockerReachable())
    if (source === 'external') expect(redisUrl).toBe(process.env.REDIS_URL)
    // a local redis-server listens on loopback; a container's port is mapped on the engine's host
    if (source === 'local') expect(new URL(redisUrl).hostname).toBe('127.0.0.1')
    if (source === 'container') expect(redisUrl).toMatch(/^redis:\/\/[^/]+:\d+$/)
  }
)
