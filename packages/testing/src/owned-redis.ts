import { Redis } from 'ioredis'
import { startLocalRedis, type LocalRedis } from '@takashi/local-redis'

/**
 * A redis-server a test owns, so it can take it away and bring it back empty on the same port:
 * no persistence, shut down with SHUTDOWN NOSAVE.
 */
export interface OwnedRedis {
  url: string
  port: number
  /** SHUTDOWN NOSAVE; resolves once the process has exited */
  shutdown(): Promise<void>
  /** a fresh, empty server on the same port; resolves once it answers PING */
  restart(): Promise<void>
  /** stops whichever server runs now (after the test) */
  stop(): Promise<void>
}

export async function startOwnedRedis(): Promise<OwnedRedis> {
  let server: LocalRedis = await startLocalRedis()
  const { url, port } = server
  return {
    url,
    port,
    async shutdown() {
      const child = server.process
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
      server = await startLocalRedis('redis-server', { port })
    },
    stop: () => server.stop(),
  }
}
