import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePorts } from '@takashi/local-redis'

/** A Redis master, one replica and three Sentinels on the loopback, for failover tests. */
export interface SentinelGroup {
  name: string
  /** `REDIS_SENTINELS` for the processes under test */
  sentinels: string
  /** the backbone connection string createRedis takes */
  url: string
  /** port of the master the Sentinels name now */
  masterPort(): Promise<number>
  /** asks the Sentinels to fail over and resolves with the new master's port once they name it */
  failover(timeoutMs?: number): Promise<number>
  stop(): Promise<void>
}

const NAME = 'takashi'

/** Starts the group (ports: master, replica, then the Sentinels) and waits until it is formed. */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'takashi-sentinel-'))
  const first = await freePorts(5)
  const [master, replica, ...sentinelPorts] = [0, 1, 2, 3, 4].map((k) => first + k) as [
    number,
    number,
    ...number[],
  ]
  const children: ChildProcess[] = []
  const server = (args: string[]) => {
    const child = spawn('redis-server', args, { stdio: 'ignore' })
    children.push(child)
    return child
  }
  // each server in its own folder: a replica saves the RDB of its full sync, and a server
  // started where one lies would load it
  const base = (port: number) => {
    const home = join(dir, String(port))
    mkdirSync(home)
    return [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      home,
    ]
  }
  // no 5 s wait for more replicas before the first sync
  server([...base(master), '--repl-diskless-sync-delay', '0'])
  server([...base(replica), '--replicaof', '127.0.0.1', String(master)])
  for (const port of sentinelPorts) {
    // Sentinels rewrite their config file, so each gets its own
    const file = join(dir, `sentinel-${port}.conf`)
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `sentinel monitor ${NAME} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        `sentinel parallel-syncs ${NAME} 1`,
        '',
      ].join('\n')
    )
    server([file, '--sentinel'])
  }

  const ask = async <T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
    })
    redis.on('error', () => {})
    try {
      await redis.connect()
      return await run(redis)
    } finally {
      redis.disconnect()
    }
  }
  const sentinelMaster = (port: number) =>
    ask(port, (redis) => redis.call('SENTINEL', 'get-master-addr-by-name', NAME)).then(
      (answer) => Number((answer as string[])[1]),
      () => 0
    )
  const until = async (check: () => Promise<boolean>, ms: number, what: string) => {
    const deadline = Date.now() + ms
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`sentinel group: ${what} within ${ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  const group: SentinelGroup = {
    name: NAME,
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    url: `redis-sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${NAME}`,
    masterPort: () => sentinelMaster(sentinelPorts[0]!),
    async failover(timeoutMs = 15_000) {
      const before = await group.masterPort()
      // refused (NOGOODSLAVE) until this Sentinel has seen the replica in sync lately: ask again
      await until(
        () =>
          ask(sentinelPorts[0]!, (redis) => redis.call('SENTINEL', 'failover', NAME)).then(
            () => true
          ),
        timeoutMs,
        'no replica fit to promote'
      )
      let after = before
      await until(
        async () => {
          after = await group.masterPort()
          if (after === before || after === 0) return false
          const role = await ask(after, (redis) => redis.call('ROLE'))
          return (role as string[])[0] === 'master'
        },
        timeoutMs,
        'no new master'
      )
      return after
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve()
              child.once('exit', () => resolve())
              child.kill('SIGKILL')
            })
        )
      )
      rmSync(dir, { recursive: true, force: true })
    },
  }

  try {
    // formed: the replica is in sync, and every Sentinel knows it and the other Sentinels
    await until(
      async () => {
        // the replica has the master's data, not only a connection to it
        const replication = await ask(replica, (redis) => redis.info('replication'))
        if (!/master_link_status:up/.test(replication)) return false
        for (const port of sentinelPorts) {
          const info = (await ask(port, (redis) =>
            redis.call('SENTINEL', 'master', NAME)
          )) as string[]
          const field = (key: string) => info[info.indexOf(key) + 1]
          if (field('num-slaves') !== '1' || field('num-other-sentinels') !== '2') return false
          // and has read the replica in sync, which promoting it requires
          const [seen] = (await ask(port, (redis) =>
            redis.call('SENTINEL', 'replicas', NAME)
          )) as string[][]
          if (!seen || seen[seen.indexOf('master-link-status') + 1] !== 'ok') return false
        }
        return true
      },
      // a Sentinel reads a replica's INFO every 10 s: one read during the first sync costs that
      40_000,
      'not formed'
    )
  } catch (error) {
    await group.stop()
    throw error
  }
  return group
}
