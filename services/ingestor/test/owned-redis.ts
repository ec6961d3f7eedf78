import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from '@takashi/bus'

/**
 * A redis-server this test owns, so it can take it away and bring it back empty on the same
 * port: no persistence, stopped with SHUTDOWN NOSAVE.
 */
export interface OwnedRedis {
  url: string
  port: number
  /** SHUTDOWN NOSAVE; resolves once the process has exited */
  shutdown(): Promise<void>
  /** a fresh, empty server on the same port; resolves once it answers PING */
  restart(): Promise<void>
}

export async function startOwnedRedis(): Promise<OwnedRedis> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    try {
      return await ownOn(port)
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}

async function ownOn(port: number): Promise<OwnedRedis> {
  const url = `redis://127.0.0.1:${port}`
  let child = await spawnRedis(port, url)
  return {
    url,
    port,
    async shutdown() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve()
        else child.once('exit', () => resolve())
      })
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
      admin.on('error', () => undefined)
      // the server closes the connection instead of answering
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
      admin.disconnect()
      await exited
    },
    async restart() {
      child = await spawnRedis(port, url)
    },
  }
}

async function spawnRedis(port: number, url: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
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
    { stdio: 'ignore' }
  )
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => undefined)
    try {
      await probe.connect()
      if ((await probe.ping()) === 'PONG') return child
    } catch {
      // not listening yet
    } finally {
      probe.disconnect()
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error('redis-server did not answer within 15 s')
}
