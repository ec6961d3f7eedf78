import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { parse, parseAllDocuments, parseDocument } from 'yaml'
import {
  directives,
  hasRedisServer,
  kubeletExpand,
  runStartScript,
  type ScriptRun,
  TEST_REDIS_PASSWORD,
  withRedisServer,
} from './redis-ha.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')

// What the Redis nodes of both shapes must keep from the single Redis: noeviction for BullMQ,
// the append-only file fsynced every second, no RDB snapshots.
const PERSISTENCE = {
  'maxmemory-policy': 'noeviction',
  appendonly: 'yes',
  appendfsync: 'everysec',
  save: '',
}

/** A generated or given setting as the server reports it (`save ""` is the empty string). */
const unquote = (value: string | undefined) => value?.replace(/^(["'])(.*)\1$/, '$2')

describe('deploy/compose/redis-ha.yml', () => {
  interface Service {
    image?: string
    command?: string[]
    environment?: Record<string, string>
    volumes?: string[]
    depends_on?: Record<string, { condition: string }>
    healthcheck?: { test: string[] }
  }
  const services = (file: string) =>
    (parse(read(file), { merge: true }) as { services: Record<string, Service> }).services
  const base = services('docker-compose.yml')
  const override = parse(read('deploy/compose/redis-ha.yml'), { merge: true }) as {
    services: Record<string, Service>
    volumes: Record<string, unknown>
  }
  // docker compose's merge of an override: mappings merge, a command is replaced
  const merged: Record<string, Service> = { ...base }
  for (const [name, service] of Object.entries(override.services)) {
    const under = base[name] ?? {}
    merged[name] = {
      ...under,
      ...service,
      environment: { ...under.environment, ...service.environment },
      depends_on: { ...under.depends_on, ...service.depends_on },
    }
  }
  // compose interpolation: `${X:-default}` takes its default here, `${X:?message}` (required,
  // from .env) the test's value, `$$` is a literal `$`
  const dotEnv: Record<string, string> = { REDIS_PASSWORD: TEST_REDIS_PASSWORD }
  const interpolate = (text: string) =>
    text.replace(
      /\$\$|\$\{(\w+)(?::-([^}]*)|:\?[^}]*)\}/g,
      (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$$') return '$'
        if (match.includes(':?')) {
          expect(dotEnv, match).toHaveProperty(name!)
          return dotEnv[name!]!
        }
        return fallback ?? ''
      }
    )
  const script = (service: Service) => {
    const [sh, flag, text] = service.command ?? []
    expect([sh, flag]).toEqual(['sh', '-c'])
    return interpolate(text!)
  }
  const env = (service: Service) =>
    Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])
    )
  const sentinels = Object.keys(override.services).filter((name) =>
    override.services[name]!.command?.at(-1)?.includes('--sentinel')
  )
  const takashi = Object.keys(base).filter((name) => base[name]!.image === 'takashi:local')
  const start = (name: string, sentinelAnswer?: string) =>
    runStartScript(script(merged[name]!), {
      paths: ['/data'],
      env: env(merged[name]!),
      ...(sentinelAnswer !== undefined && { sentinelAnswer }),
    })

  test('a replica of `redis` with the same settings; a former master rejoins as a replica', () => {
    const baseFlags = base.redis!.command!.map(interpolate)
    const flag = (name: string) => baseFlags[baseFlags.indexOf(`--${name}`) + 1]
    const master = start('redis')
    const replica = start('redis-replica')
    for (const [name, run] of [
      ['redis', master],
      ['redis-replica', replica],
    ] as const) {
      const conf = directives(run.files['/data/redis.conf']!)
      for (const [key, value] of Object.entries(PERSISTENCE)) {
        expect(unquote(conf.get(key)), `${name} ${key}`).toBe(value)
        expect(flag(key), `docker-compose.yml ${key}`).toBe(value)
      }
      expect(conf.get('maxmemory'), name).toBe(flag('maxmemory'))
      expect(conf.get('replica-announce-ip'), name).toBe(name)
      expect(run.exec).toEqual(['docker-entrypoint.sh', 'redis-server', '/data/redis.conf'])
    }
    expect(directives(master.files['/data/redis.conf']!).has('replicaof')).toBe(false)
    expect(directives(replica.files['/data/redis.conf']!).get('replicaof')).toBe('redis 6379')
    // each keeps its own data; the master keeps the volume of the single-Redis setup
    expect(merged.redis!.volumes).toEqual(base.redis!.volumes)
    const volume = merged['redis-replica']!.volumes?.[0]?.split(':')
    expect(volume?.[1]).toBe('/data')
    expect(Object.keys(override.volumes)).toContain(volume?.[0])
    // after a failover the Sentinels name the replica: `redis` restarting follows it
    const rejoined = start('redis', 'redis-replica 6379')
    expect(directives(rejoined.files['/data/redis.conf']!).get('replicaof')).toBe(
      'redis-replica 6379'
    )
    for (const name of ['redis', 'redis-replica', ...sentinels]) {
      expect(merged[name]!.healthcheck?.test.join(' '), name).toContain('redis-cli')
    }
  })

  test('three Sentinels monitor `redis` under one master name with quorum 2, naming themselves', () => {
    expect(sentinels).toHaveLength(3)
    const names = new Set<string>()
    for (const name of sentinels) {
      const run = start(name)
      const conf = directives(run.files['/data/sentinel.conf']!)
      const [master, host, port, quorum] = conf.get('sentinel monitor')!.split(' ')
      names.add(master!)
      expect([host, port, quorum], name).toEqual(['redis', '6379', '2'])
      expect(conf.get('sentinel resolve-hostnames'), name).toBe('yes')
      expect(conf.get('sentinel announce-hostnames'), name).toBe('yes')
      expect(conf.get('sentinel announce-ip'), name).toBe(name)
      expect(Number(conf.get('sentinel down-after-milliseconds')?.split(' ')[1])).toBe(5000)
      expect(run.exec).toEqual([
        'docker-entrypoint.sh',
        'redis-server',
        '/data/sentinel.conf',
        '--sentinel',
      ])
      expect(merged[name]!.healthcheck?.test.join(' '), name).toContain(master)
      expect(merged[name]!.depends_on?.redis?.condition).toBe('service_healthy')
      // a restarted Sentinel monitors the master its peers name now
      const after = directives(start(name, 'redis-replica 6379').files['/data/sentinel.conf']!)
      expect(after.get('sentinel monitor'), name).toBe(`${master} redis-replica 6379 2`)
    }
    expect(names.size).toBe(1)
    // the nodes ask these same Sentinels under the same name
    for (const name of ['redis', 'redis-replica']) {
      expect(env(merged[name]!).SENTINELS?.split(' ').sort()).toEqual([...sentinels].sort())
      expect(env(merged[name]!).MASTER_NAME).toBe([...names][0])
    }
  })

  test('every takashi service finds the master through all three Sentinels and waits for them', () => {
    expect(takashi.length).toBeGreaterThanOrEqual(8)
    const master = directives(start(sentinels[0]!).files['/data/sentinel.conf']!)
      .get('sentinel monitor')!
      .split(' ')[0]
    for (const name of takashi) {
      const environment = merged[name]!.environment ?? {}
      expect(environment.REDIS_SENTINELS?.split(',').sort(), name).toEqual(
        sentinels.map((s) => `${s}:26379`).sort()
      )
      expect(environment.REDIS_SENTINEL_NAME, name).toBe(master)
      for (const sentinel of sentinels) {
        expect(merged[name]!.depends_on?.[sentinel]?.condition, name).toBe('service_healthy')
      }
      // the rest of the service is docker-compose.yml's
      expect(merged[name]!.command, name).toEqual(base[name]!.command)
      expect(environment.SYMBOLS, name).toBe(base[name]!.environment?.SYMBOLS)
    }
  })

  test('the generated configs load in a real redis-server and Sentinel', async () => {
    const master = start('redis')
    const sentinel = start(sentinels[0]!)
    if (!hasRedisServer) {
      // no server here: the generated files must at least be complete
      expect(master.files['/data/redis.conf']).toContain('maxmemory-policy noeviction')
      expect(sentinel.files['/data/sentinel.conf']).toContain('sentinel monitor')
      return
    }
    const replica = start('redis-replica')
    await expectConfigsLoad(
      { run: master, args: ['/data/redis.conf'] },
      { run: replica, args: ['/data/redis.conf'] },
      sentinel,
      '/data/sentinel.conf'
    )
  })

  test('the override is plain YAML and `docker compose config` accepts both files where it runs', () => {
    const doc = parseDocument(read('deploy/compose/redis-ha.yml'), {
      merge: true,
      uniqueKeys: true,
    })
    expect(doc.errors).toEqual([])
    expect(doc.warnings).toEqual([])
    const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' })
    if (plugin.status === 0) {
      const config = spawnSync(
        'docker',
        [
          'compose',
          '-f',
          'docker-compose.yml',
          '-f',
          'deploy/compose/redis-ha.yml',
          'config',
          '-q',
        ],
        { cwd: root, encoding: 'utf8' }
      )
      expect(config.status, config.stderr).toBe(0)
    }
  })
})

describe('deploy/k8s/components/redis-ha', () => {
  interface Container {
    name: string
    image?: string
    command?: string[]
    args?: string[]
    ports?: { name: string; containerPort: number }[]
    readinessProbe?: unknown
    livenessProbe?: unknown
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
    securityContext?: { readOnlyRootFilesystem?: boolean }
    volumeMounts?: { name: string; mountPath: string }[]
  }
  interface Manifest {
    kind: string
    metadata: { name: string }
    spec?: {
      replicas?: number
      serviceName?: string
      clusterIP?: string
      publishNotReadyAddresses?: boolean
      selector?: Record<string, string> & { matchLabels?: Record<string, string> }
      ports?: { port: number; targetPort: string }[]
      template?: {
        metadata?: { labels: Record<string, string> }
        spec: {
          containers: Container[]
          volumes?: { name: string; emptyDir?: unknown }[]
          securityContext?: { runAsNonRoot?: boolean }
        }
      }
    }
    data?: Record<string, string>
    resources?: string[]
    patches?: { path: string }[]
    configMapGenerator?: { name: string; behavior?: string; literals: string[] }[]
  }
  const load = (dir: string, file: string) =>
    parseAllDocuments(read(`${dir}/${file}`)).map((doc) => {
      expect(doc.errors, file).toEqual([])
      return { ...(doc.toJS() as Manifest), file }
    })
  const DIR = 'deploy/k8s/components/redis-ha'
  const BASE = 'deploy/k8s/base'
  const files = readdirSync(join(root, DIR)).filter((f) => f.endsWith('.yaml'))
  const [kustomization] = load(DIR, 'kustomization.yaml')
  const baseManifests = readdirSync(join(root, BASE))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => load(BASE, f))
  const resources = (kustomization?.resources ?? []).filter((r) => r.endsWith('.yaml'))
  const added = resources.flatMap((f) => load(DIR, f))
  const patches = (kustomization?.patches ?? []).flatMap((p) => load(DIR, p.path))
  const find = (list: Manifest[], kind: string, name: string) =>
    list.find((m) => m.kind === kind && m.metadata.name === name)

  const sentinelSet = added.find((m) => m.kind === 'StatefulSet')!
  const sentinelContainer = sentinelSet.spec!.template!.spec.containers[0]!
  const redisPatch = find(patches, 'StatefulSet', 'redis')!
  const redisBase = find(baseManifests, 'StatefulSet', 'redis')!
  const redisContainer = (() => {
    // strategic merge: containers by name; the patch's command, the base args
    const under = redisBase.spec!.template!.spec.containers[0]!
    const over = redisPatch.spec!.template!.spec.containers.find((c) => c.name === under.name)!
    const mounts = new Map(
      [...(under.volumeMounts ?? []), ...(over.volumeMounts ?? [])].map((m) => [m.mountPath, m])
    )
    return { ...under, ...over, volumeMounts: [...mounts.values()] }
  })()
  // the settings the component merges into takashi-config
  const generator = kustomization!.configMapGenerator!.find((g) => g.name === 'takashi-config')!
  const config = Object.fromEntries(generator.literals.map((l) => l.split('='))) as Record<
    string,
    string
  >

  // the Secret's value, as the kubelet gives it to both containers' env and their $(...) args
  const secretEnv = { REDIS_PASSWORD: TEST_REDIS_PASSWORD }
  const startRedis = (hostname: string, sentinelAnswer?: string) =>
    runStartScript(redisContainer.command![2]!, {
      paths: ['/conf'],
      args: [...redisContainer.command!.slice(3), ...(redisContainer.args ?? [])].map((arg) =>
        kubeletExpand(arg, secretEnv)
      ),
      env: secretEnv,
      hostname,
      ...(sentinelAnswer !== undefined && { sentinelAnswer }),
    })
  const startSentinel = (hostname: string, sentinelAnswer?: string) =>
    runStartScript(sentinelContainer.command![2]!, {
      paths: ['/conf'],
      env: secretEnv,
      hostname,
      ...(sentinelAnswer !== undefined && { sentinelAnswer }),
    })

  test('the component changes the base from every file of its folder; the overlay lists it', () => {
    expect(kustomization?.kind).toBe('Component')
    expect(generator.behavior).toBe('merge')
    expect(read('deploy/k8s/overlays/production/kustomization.yaml')).toContain(
      '# - ../../components/redis-ha\n'
    )
    const listed = [...resources, ...(kustomization?.patches ?? []).map((p) => p.path)]
    expect(listed.sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort())
    // patches change objects the default manifests have
    for (const patch of patches) {
      expect(find(baseManifests, patch.kind, patch.metadata.name), patch.file).toBeDefined()
    }
    // the default manifests stay the single Redis
    expect(redisBase.spec?.replicas).toBe(1)
    expect(read(`${BASE}/config.env`)).not.toContain('REDIS_SENTINELS')
  })

  test('three Sentinels behind a headless Service; REDIS_SENTINELS names each of them', () => {
    expect(sentinelSet.spec?.replicas).toBe(3)
    const service = find(added, 'Service', sentinelSet.spec!.serviceName!)!
    expect(service.spec?.clusterIP).toBe('None')
    expect(service.spec?.publishNotReadyAddresses).toBe(true)
    const labels = sentinelSet.spec!.template!.metadata!.labels
    expect(
      Object.entries(service.spec!.selector!).every(([k, v]) => labels[k] === v),
      'selector'
    ).toBe(true)
    const port = sentinelContainer.ports!.find(
      (p) => p.name === service.spec!.ports![0]!.targetPort
    )
    const expected = [0, 1, 2].map(
      (i) => `${sentinelSet.metadata.name}-${i}.${service.metadata.name}:${port?.containerPort}`
    )
    expect(config.REDIS_SENTINELS?.split(',')).toEqual(expected)
    // every Sentinel: a config of its own, probes, resources, non-root
    expect(sentinelSet.spec!.template!.spec.securityContext?.runAsNonRoot).toBe(true)
    expect(sentinelContainer.readinessProbe).toBeDefined()
    expect(sentinelContainer.livenessProbe).toBeDefined()
    expect(sentinelContainer.resources?.requests?.memory).toBeTruthy()
    expect(sentinelContainer.resources?.limits?.memory).toBeTruthy()
    expect(sentinelContainer.securityContext?.readOnlyRootFilesystem).toBe(true)
    const conf = sentinelContainer.volumeMounts!.find((m) => m.mountPath === '/conf')!
    const volume = sentinelSet.spec!.template!.spec.volumes!.find((v) => v.name === conf.name)
    expect(volume?.emptyDir).toBeDefined()
  })

  test('each Sentinel monitors redis-0 under the master name the pods get, with quorum 2', () => {
    for (const i of [0, 1, 2]) {
      const me = `${sentinelSet.metadata.name}-${i}`
      const run = startSentinel(me)
      const conf = directives(run.files['/conf/sentinel.conf']!)
      expect(conf.get('sentinel monitor'), me).toBe(
        `${config.REDIS_SENTINEL_NAME} redis-0.redis 6379 2`
      )
      expect(conf.get('sentinel resolve-hostnames')).toBe('yes')
      expect(conf.get('sentinel announce-hostnames')).toBe('yes')
      expect(conf.get('sentinel announce-ip')).toBe(`${me}.${sentinelSet.spec!.serviceName}`)
      expect(run.exec).toEqual(['redis-server', '/conf/sentinel.conf', '--sentinel'])
    }
    const after = directives(
      startSentinel('redis-sentinel-2', 'redis-1.redis 6379').files['/conf/sentinel.conf']!
    )
    expect(after.get('sentinel monitor')).toBe(`${config.REDIS_SENTINEL_NAME} redis-1.redis 6379 2`)
    // the readiness probe and the pods' REDIS_SENTINEL_NAME name the same master
    expect(JSON.stringify(sentinelContainer.readinessProbe)).toContain(config.REDIS_SENTINEL_NAME)
    expect(redisContainer.command![2]).toContain(
      `get-master-addr-by-name ${config.REDIS_SENTINEL_NAME}`
    )
  })

  test('neither a Redis node nor a Sentinel starts with an empty password', () => {
    for (const container of [redisContainer, sentinelContainer]) {
      expect(() =>
        runStartScript(container.command![2]!, {
          paths: ['/conf'],
          env: { REDIS_PASSWORD: '' },
          hostname: 'redis-0',
        })
      ).toThrow(/REDIS_PASSWORD: is empty/)
    }
  })

  test('two Redis pods: redis-0 the master, redis-1 its replica, a former master rejoins', () => {
    expect(redisPatch.spec?.replicas).toBe(2)
    const service = find(patches, 'Service', redisBase.spec!.serviceName!)!
    expect(service.spec?.clusterIP).toBe('None')
    expect(service.spec?.publishNotReadyAddresses).toBe(true)
    const first = startRedis('redis-0')
    const second = startRedis('redis-1')
    const conf0 = directives(first.files['/conf/redis.conf']!)
    const conf1 = directives(second.files['/conf/redis.conf']!)
    expect(conf0.has('replicaof')).toBe(false)
    expect(conf0.get('replica-announce-ip')).toBe('redis-0.redis')
    expect(conf1.get('replicaof')).toBe('redis-0.redis 6379')
    expect(conf1.get('replica-announce-ip')).toBe('redis-1.redis')
    // the default manifest's settings follow the generated file
    expect(first.exec).toEqual([
      'redis-server',
      '/conf/redis.conf',
      ...redisBase.spec!.template!.spec.containers[0]!.args!.map((a) =>
        kubeletExpand(a, secretEnv)
      ),
    ])
    const rejoined = directives(
      startRedis('redis-0', 'redis-1.redis 6379').files['/conf/redis.conf']!
    )
    expect(rejoined.get('replicaof')).toBe('redis-1.redis 6379')
    const stays = directives(startRedis('redis-1', 'redis-1.redis 6379').files['/conf/redis.conf']!)
    expect(stays.has('replicaof')).toBe(false)
    expect(redisContainer.volumeMounts?.map((m) => m.mountPath)).toEqual(
      expect.arrayContaining(['/data', '/conf'])
    )
  })

  test('the generated configs load in a real redis-server and Sentinel', async () => {
    const master = startRedis('redis-0')
    const sentinel = startSentinel('redis-sentinel-0')
    if (!hasRedisServer) {
      expect(master.exec.join(' ')).toContain('--maxmemory-policy noeviction')
      expect(sentinel.files['/conf/sentinel.conf']).toContain('sentinel monitor')
      return
    }
    const replica = startRedis('redis-1')
    await expectConfigsLoad(
      { run: master, args: master.exec.slice(1) },
      { run: replica, args: replica.exec.slice(1) },
      sentinel,
      '/conf/sentinel.conf'
    )
  })
})

/**
 * Starts the generated master config (`args` after `redis-server`, container paths) in a real
 * redis-server: it refuses clients without the password, lets the `takashi` user in but not to
 * FLUSHALL, and keeps the persistence settings. The generated replica config, pointed at it (the
 * containers' host names do not resolve here), replicates as the `replica` user, and the
 * Sentinel config logs in as the `sentinel` user and reads the master's INFO.
 */
async function expectConfigsLoad(
  master: { run: ScriptRun; args: string[] },
  replica: { run: ScriptRun; args: string[] },
  sentinel: ScriptRun,
  sentinelFile: string
) {
  const local = (run: ScriptRun) => (path: string) =>
    path.startsWith('/') ? join(run.dir, path) : path
  const takashi = { username: 'takashi', password: TEST_REDIS_PASSWORD }
  // the test's own user on top of the generated ACL, for CONFIG GET
  const tester = { username: 'tester', password: 'tester-only' }
  const testerUser = ['--user', 'tester', 'on', `>${tester.password}`, '~*', '&*', '+@all']
  const pointAt = (file: string, pattern: RegExp, port: number) => {
    const text = readFileSync(file, 'utf8').replace(pattern, `$1 127.0.0.1 ${port}`)
    writeFileSync(file, text)
    return text
  }
  const args = [...master.args.map(local(master.run)), ...testerUser]
  await withRedisServer(
    args,
    master.run.dir,
    async (redis) => {
      for (const [key, value] of Object.entries(PERSISTENCE)) {
        expect(((await redis.call('CONFIG', 'GET', key)) as string[])[1], key).toBe(value)
      }
      const port = redis.options.port!
      const client = (auth: object) => {
        // no ready check: an anonymous one fails it (NOAUTH) and closes the connection
        const connection = new Redis({
          port,
          ...auth,
          lazyConnect: true,
          enableReadyCheck: false,
          retryStrategy: () => null,
        })
        connection.on('error', () => {})
        return connection
      }
      const app = client(takashi)
      await app.connect()
      expect(((await app.call('ROLE')) as string[])[0]).toBe('master')
      expect(await app.info('server')).toContain('redis_version')
      await expect(app.call('FLUSHALL')).rejects.toThrow(/NOPERM/)
      app.disconnect()
      const anonymous = client({})
      await anonymous.connect()
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/)
      anonymous.disconnect()

      const replicaFile = replica.args.map(local(replica.run))[0]!
      pointAt(replicaFile, /^(replicaof)(?: \S+ \d+)?$/m, port)
      await withRedisServer(
        [...replica.args.map(local(replica.run)), ...testerUser],
        replica.run.dir,
        async (copy) => {
          await expect
            .poll(() => copy.info('replication'), { timeout: 10_000 })
            .toContain('master_link_status:up')
        },
        tester
      )

      const file = join(sentinel.dir, sentinelFile)
      const text = pointAt(file, /^(sentinel monitor \S+) \S+ \d+/m, port)
      const [name] = directives(text).get('sentinel monitor')!.split(' ')
      await withRedisServer([file, '--sentinel'], sentinel.dir, async (watcher) => {
        const master = async () => {
          const info = (await watcher.call('SENTINEL', 'master', name!)) as string[]
          return (key: string) => info[info.indexOf(key) + 1]
        }
        const field = await master()
        expect(field('quorum')).toBe('2')
        expect(field('port')).toBe(String(port))
        expect(field('down-after-milliseconds')).toBe('5000')
        // INFO needs a login: a Sentinel refused would never refresh it
        await expect
          .poll(async () => Number((await master())('info-refresh')), { timeout: 10_000 })
          .toBeLessThan(10_000)
        expect((await master())('flags')).toBe('master')
      })
    },
    tester
  )
}
