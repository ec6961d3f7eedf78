import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { describe, expect, test } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { createRedis } from '@takashi/bus'
import { hasKubectl, NO_KUBECTL, renderProduction, unhashed, type Rendered } from './kustomize.ts'
import { hasRedisServer, kubeletExpand, TEST_REDIS_PASSWORD, withRedisServer } from './redis-ha.ts'
import { composeInterpolate, composeRedis, k8sRedis } from './secured-redis.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')
const tracked = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).stdout.split('\n')

/** Keys that name a credential, which belongs in a Secret, never in a ConfigMap. */
const SECRET_KEY = /PASSWORD|SECRET|TOKEN|REDIS_URL|CREDENTIAL|_KEY$/

/** Every setting the kustomize tree puts into takashi-config: base/config.env and the literals. */
function configSettings(): [string, string][] {
  const env = read('deploy/k8s/base/config.env')
    .split('\n')
    .filter((line) => /^\w+=/.test(line))
  const literals = manifests.flatMap(
    (m) =>
      (m as { configMapGenerator?: { literals?: string[] }[] }).configMapGenerator?.flatMap(
        (g) => g.literals ?? []
      ) ?? []
  )
  const settings = [...env, ...literals].map((line) => {
    const at = line.indexOf('=')
    return [line.slice(0, at), line.slice(at + 1)] as [string, string]
  })
  expect(settings.length).toBeGreaterThan(10)
  return settings
}

// ---- Kubernetes: Pod Security "restricted" -------------------------------------------------

interface SecurityContext {
  runAsNonRoot?: boolean
  runAsUser?: number
  privileged?: boolean
  allowPrivilegeEscalation?: boolean
  readOnlyRootFilesystem?: boolean
  capabilities?: { drop?: string[]; add?: string[] }
  seccompProfile?: { type: string }
}
interface Container {
  name: string
  command?: string[]
  args?: string[]
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[]
  securityContext?: SecurityContext
}
interface PodSpec {
  hostNetwork?: boolean
  hostPID?: boolean
  hostIPC?: boolean
  securityContext?: SecurityContext
  containers: Container[]
  initContainers?: Container[]
  volumes?: Record<string, unknown>[]
}
interface Manifest {
  kind: string
  metadata: { name: string; labels?: Record<string, string> }
  spec?: {
    template?: { spec: PodSpec }
    podSelector?: { matchLabels?: Record<string, string> }
    ingress?: { from?: { podSelector?: { matchLabels?: Record<string, string> } }[] }[]
  }
  data?: Record<string, string>
  stringData?: Record<string, string>
  resources?: string[]
}

// every source file of the kustomize tree: base, ingestor template, components, overlay
const k8sFiles = (readdirSync(join(root, 'deploy/k8s'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `deploy/k8s/${f}`)
  .sort()
const manifests = k8sFiles.flatMap((file) =>
  parseAllDocuments(read(file)).map((doc) => ({ ...(doc.toJS() as Manifest), file }))
)
const workloads = manifests.filter((m) => m.spec?.template?.spec.containers)
// volume types the restricted profile allows
const ALLOWED_VOLUMES = new Set([
  'name',
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
])

/**
 * Pod Security "restricted" for one pod: `patch` for a strategic-merge patch, which leaves the
 * pod-level settings to the object it merges into.
 */
function expectRestricted(pod: PodSpec, where: string, patch = false) {
  if (!patch) {
    expect(pod.securityContext?.runAsNonRoot, where).toBe(true)
    expect(pod.securityContext?.runAsUser, where).toBeGreaterThan(0)
    expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault')
  }
  expect([pod.hostNetwork, pod.hostPID, pod.hostIPC].some(Boolean), where).toBe(false)
  for (const volume of pod.volumes ?? []) {
    for (const key of Object.keys(volume)) expect(ALLOWED_VOLUMES.has(key), where).toBe(true)
  }
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext
    const at = `${where}/${c.name}`
    expect(sc?.allowPrivilegeEscalation, at).toBe(false)
    expect(sc?.readOnlyRootFilesystem, at).toBe(true)
    expect(sc?.capabilities?.drop, at).toContain('ALL')
    expect(sc?.capabilities?.add ?? [], at).toEqual([])
    expect(sc?.privileged ?? false, at).toBe(false)
    if (sc?.runAsUser !== undefined) expect(sc.runAsUser, at).toBeGreaterThan(0)
    if (sc?.seccompProfile) expect(sc.seccompProfile.type, at).toBe('RuntimeDefault')
  }
}

describe('deploy/k8s meets Pod Security "restricted"', () => {
  test('the namespace enforces the restricted profile', () => {
    const namespace = manifests.find((m) => m.kind === 'Namespace')
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted')
  })

  test('every pod and container of the sources, the Redis nodes and Sentinels of the component included', () => {
    // the component's patches merge into base objects that carry the pod-level settings
    const full = workloads.filter((w) => w.spec!.template!.spec.securityContext !== undefined)
    expect(full.map((w) => w.metadata.name).sort()).toEqual(
      expect.arrayContaining(['aggregator', 'gateway', 'ingestor', 'redis', 'redis-sentinel'])
    )
    for (const w of workloads) {
      const pod = w.spec!.template!.spec
      expectRestricted(pod, `${w.file} ${w.metadata.name}`, pod.securityContext === undefined)
    }
  })

  test('the autoscaler alone sets the gateway replica count', () => {
    const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler') as unknown as {
      spec: { scaleTargetRef: { kind: string; name: string } }
    }
    const target = manifests.find(
      (m) =>
        m.kind === hpa.spec.scaleTargetRef.kind && m.metadata.name === hpa.spec.scaleTargetRef.name
    )
    expect(target).toBeDefined()
    expect(target?.spec).not.toHaveProperty('replicas')
  })
})

describe('deploy/k8s: Redis behind a password and a NetworkPolicy', () => {
  test('REDIS_URL is in no ConfigMap source; each takashi container builds it from the Secret', () => {
    expect(configSettings().filter(([key]) => SECRET_KEY.test(key))).toEqual([])
    const takashi = workloads.filter((w) =>
      w.spec!.template!.spec.containers.some((c) => c.name !== 'redis' && c.name !== 'sentinel')
    )
    expect(takashi.map((w) => w.metadata.name).sort()).toEqual([
      'aggregator',
      'gateway',
      'ingestor',
    ])
    for (const w of takashi) {
      for (const c of w.spec!.template!.spec.containers) {
        const names = (c.env ?? []).map((e) => e.name)
        const password = c.env?.find((e) => e.name === 'REDIS_PASSWORD')
        const url = c.env?.find((e) => e.name === 'REDIS_URL')
        expect(password?.valueFrom?.secretKeyRef?.name, w.metadata.name).toBe('takashi-redis')
        expect(url?.value, w.metadata.name).toMatch(/^redis:\/\/takashi:\$\(REDIS_PASSWORD\)@/)
        // $(VAR) expands only from variables declared before it
        expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'))
      }
    }
  })

  test('Redis and the Sentinels read the password from the Secret', () => {
    const redis = workloads.find(
      (w) =>
        w.kind === 'StatefulSet' &&
        w.metadata.name === 'redis' &&
        w.file === 'deploy/k8s/base/redis.yaml'
    )!
    const container = redis.spec!.template!.spec.containers[0]!
    expect(container.args?.join(' ')).toContain('--user default off')
    expect(container.args?.join(' ')).toContain('--user takashi on >$(REDIS_PASSWORD)')
    const sentinel = workloads.find((w) => w.metadata.name === 'redis-sentinel')!
    for (const c of [container, sentinel.spec!.template!.spec.containers[0]!]) {
      const env = c.env?.find((e) => e.name === 'REDIS_PASSWORD')
      expect(env?.valueFrom?.secretKeyRef?.name, c.name).toBe('takashi-redis')
    }
    const sentinelScript = JSON.stringify(sentinel.spec!.template!.spec.containers[0]!)
    expect(sentinelScript).toContain('sentinel auth-pass mymaster $REDIS_PASSWORD')
  })

  test('the Secret is generated from the overlay’s uncommitted secrets.env; no manifest is a Secret', () => {
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([])
    const overlay = manifests.find(
      (m) => m.file === 'deploy/k8s/overlays/production/kustomization.yaml'
    ) as unknown as { secretGenerator: { name: string; envs: string[] }[] }
    expect(overlay.secretGenerator).toMatchObject([
      { name: 'takashi-redis', envs: ['secrets.env'] },
    ])
    const secrets = 'deploy/k8s/overlays/production/secrets.env'
    expect(tracked).not.toContain(secrets)
    expect(spawnSync('git', ['check-ignore', '-q', secrets], { cwd: root }).status).toBe(0)
    // the template's value is empty: a copied, unfilled file gives Redis no usable password
    expect(
      read(`${secrets}.example`)
        .split('\n')
        .filter((l) => /^\w+=/.test(l))
    ).toEqual(['password='])
  })

  test('the Redis container refuses to start with an empty password, which Redis would accept', () => {
    const redis = workloads.find((w) => w.file === 'deploy/k8s/base/redis.yaml')!
    const container = redis.spec!.template!.spec.containers[0]!
    // a stand-in redis-server on PATH prints the arguments it was started with
    const bin = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim()
    writeFileSync(join(bin, 'redis-server'), '#!/bin/sh\necho "redis-server $*"\n', { mode: 0o755 })
    const start = (password: string) => {
      const env = { REDIS_PASSWORD: password }
      const [shell, ...rest] = [...container.command!, ...container.args!].map((a) =>
        kubeletExpand(a, env)
      )
      return spawnSync(shell!, rest, {
        encoding: 'utf8',
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...env },
      })
    }
    const empty = start('')
    expect(empty.status).not.toBe(0)
    expect(empty.stderr).toMatch(/REDIS_PASSWORD: is empty/)
    const set = start(TEST_REDIS_PASSWORD)
    expect(set.status, set.stderr).toBe(0)
    expect(set.stdout).toContain(`--user takashi on >${TEST_REDIS_PASSWORD}`)
    rmSync(bin, { recursive: true, force: true })
  })

  test('only takashi pods of the namespace reach Redis and the Sentinels', () => {
    const policies = manifests.filter((m) => m.kind === 'NetworkPolicy')
    for (const target of ['redis', 'redis-sentinel']) {
      const policy = policies.find(
        (p) => p.spec?.podSelector?.matchLabels?.['app.kubernetes.io/name'] === target
      )
      expect(policy, target).toBeDefined()
      const sources = policy!.spec!.ingress!.flatMap((rule) => rule.from ?? [])
      expect(sources.length, target).toBeGreaterThan(0)
      for (const source of sources) {
        expect(source).toEqual({
          podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'takashi' } },
        })
      }
    }
    // every takashi pod carries the label the policies let in
    for (const w of workloads.filter((w) => w.spec!.template!.spec.securityContext)) {
      const labels = (
        w.spec!.template as unknown as { metadata: { labels: Record<string, string> } }
      ).metadata.labels
      expect(labels['app.kubernetes.io/part-of'], w.metadata.name).toBe('takashi')
    }
  })
})

// ---- Kubernetes, as kustomize renders it ---------------------------------------------------

if (!hasKubectl) console.log(NO_KUBECTL)

describe.skipIf(!hasKubectl)(
  'deploy/k8s/overlays/production with every component, rendered',
  () => {
    const objects = (hasKubectl ? renderProduction(['redis-ha', 'prometheus-operator']) : []) as (
      Rendered | (Rendered & { spec: { template: { spec: PodSpec } } })
    )[]
    const pods = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')

    test('every pod and container meets Pod Security "restricted"', () => {
      const names = pods.map((o) => o.metadata.name)
      expect(names).toEqual(
        expect.arrayContaining(['aggregator', 'gateway', 'ingestor-okx', 'redis', 'redis-sentinel'])
      )
      for (const o of pods) {
        const spec = (o.spec as { template: { spec: PodSpec } }).template.spec
        expectRestricted(spec, `${o.kind}/${o.metadata.name}`)
      }
    })

    test('the gateway Deployment has no replicas: its autoscaler owns the count', () => {
      const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef
      const gateway = objects.find((o) => o.kind === target.kind && o.metadata.name === target.name)
      expect(gateway?.metadata.name).toBe('gateway')
      expect(gateway?.spec).not.toHaveProperty('replicas')
    })

    test('the password is in the Secret alone: no ConfigMap holds it or a secret-looking key', () => {
      const secrets = objects.filter((o) => o.kind === 'Secret')
      expect(secrets.map((s) => unhashed(s.metadata.name))).toEqual(['takashi-redis'])
      const configMaps = objects.filter((o) => o.kind === 'ConfigMap')
      expect(configMaps.length).toBeGreaterThan(0)
      for (const config of configMaps) {
        for (const [key, value] of Object.entries(config.data ?? {})) {
          expect(key, config.metadata.name).not.toMatch(SECRET_KEY)
          expect(value, key).not.toContain(TEST_REDIS_PASSWORD)
        }
      }
      // nowhere in plain text: containers get it through secretKeyRef only
      const plain = JSON.stringify(objects.filter((o) => o.kind !== 'Secret'))
      expect(plain).not.toContain(TEST_REDIS_PASSWORD)
    })
  }
)

// ---- docker compose ------------------------------------------------------------------------

interface ComposeService {
  image?: string
  ports?: string[]
  read_only?: boolean
  cap_drop?: string[]
  security_opt?: string[]
  logging?: { driver: string; options?: Record<string, string> }
  environment?: Record<string, string>
  command?: string[]
  healthcheck?: { test: string[] }
}
const composeServices = (file: string) =>
  (parse(read(file), { merge: true }) as { services: Record<string, ComposeService> }).services
const base = composeServices('docker-compose.yml')
const override = composeServices('deploy/compose/redis-ha.yml')

describe('docker-compose.yml hardening', () => {
  test('only the load balancer publishes a port on every interface', () => {
    for (const [name, service] of Object.entries(base)) {
      for (const port of (service.ports ?? []).map((p) => composeInterpolate(p))) {
        // host:port:container binds one address; port:container binds all of them
        const bindsAll = port.split(':').length < 3 || /^(0\.0\.0\.0|\[::\]|::):/.test(port)
        if (name === 'lb') expect(bindsAll).toBe(true)
        else expect(port, name).toMatch(/^127\.0\.0\.1:/)
      }
    }
    expect(base.grafana?.ports?.length).toBe(1)
    expect(base.prometheus?.ports?.length).toBe(1)
  })

  test('every service of both files: read-only root, no capabilities, no-new-privileges, rotated logs', () => {
    const all = {
      ...base,
      ...Object.fromEntries(Object.entries(override).filter(([, s]) => s.image)),
    }
    expect(Object.keys(all)).toEqual(expect.arrayContaining(['redis-replica', 'sentinel-1', 'lb']))
    for (const [name, service] of Object.entries(all)) {
      expect(service.read_only, name).toBe(true)
      expect(service.cap_drop, name).toEqual(['ALL'])
      expect(service.security_opt, name).toContain('no-new-privileges:true')
      expect(service.logging?.driver, name).toBe('json-file')
      expect(service.logging?.options?.['max-size'], name).toBeTruthy()
      expect(Number(service.logging?.options?.['max-file']), name).toBeGreaterThan(1)
    }
  })

  test('Redis takes only the takashi user with the .env password; every service carries it', () => {
    const command = base.redis!.command!.join(' ')
    expect(command).toContain('--user default off')
    expect(command).toContain('--user takashi on >${REDIS_PASSWORD:?')
    expect(base.redis!.healthcheck!.test.join(' ')).toMatch(/--user takashi ping \| grep -q PONG/)
    for (const [name, service] of Object.entries(base).filter(
      ([, s]) => s.image === 'takashi:local'
    )) {
      expect(service.environment?.REDIS_URL, name).toMatch(
        /^redis:\/\/takashi:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/
      )
    }
  })

  test('Grafana: admin password required from the environment, anonymous access off', () => {
    const env = base.grafana!.environment!
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/)
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false')
  })
})

// ---- nothing secret committed --------------------------------------------------------------

describe('no secret value is committed', () => {
  test('.env is ignored and not tracked; .env.example leaves every password empty', () => {
    expect(tracked).not.toContain('.env')
    expect(spawnSync('git', ['check-ignore', '-q', '.env'], { cwd: root }).status).toBe(0)
    expect(spawnSync('git', ['check-ignore', '-q', '.env.example'], { cwd: root }).status).toBe(1)
    const example = read('.env.example')
    const settings = example.split('\n').filter((line) => /^\s*[A-Z_]+=/.test(line))
    expect(settings.map((line) => line.split('=')[0])).toEqual([
      'REDIS_PASSWORD',
      'GRAFANA_ADMIN_PASSWORD',
    ])
    for (const line of settings) expect(line).toMatch(/^[A-Z_]+=$/)
  })

  test('passwords in compose and k8s files are references, never literals', () => {
    const files = ['docker-compose.yml', 'deploy/compose/redis-ha.yml', ...k8sFiles]
    // a reference: compose ${X...} or $$X, the kubelet's $(X), a shell $X, a YAML alias
    const ref = String.raw`(?:\$\{\w+[^}]*\}|\$\$\w+|\$\(\w+\)|\$\w+|\*[\w-]+)`
    const patterns = [
      // credentials inside a URL
      new RegExp(String.raw`\w+://[^\s:/@'"]*:(?!${ref}@)[^\s@'"]+@`),
      // ACL passwords, requirepass, masterauth, sentinel auth-pass
      new RegExp(String.raw`(?:^|[\s'"])>(?!${ref})\S`),
      new RegExp(String.raw`(?:requirepass|masterauth|auth-pass \S+)\s+(?!${ref})\S`),
      // PASSWORD / SECRET / TOKEN variables set to a literal
      new RegExp(String.raw`(?:^|\s)\w*(?:PASSWORD|SECRET|TOKEN)\w*:\s+(?!${ref}|\{)['"]?[^\s'"{]`),
    ]
    const literal = (line: string) => patterns.some((pattern) => pattern.test(line))
    for (const line of [
      'REDIS_URL: redis://takashi:hunter2@redis:6379',
      "      - '>hunter2'",
      '        echo "masterauth hunter2"',
      '      GF_SECURITY_ADMIN_PASSWORD: hunter2',
    ]) {
      expect(literal(line), line).toBe(true)
    }
    for (const file of files) {
      const lines = read(file).split('\n')
      lines.forEach((line, i) => {
        if (/^\s*#/.test(line)) return
        expect(literal(line), `${file}:${i + 1}: ${line}`).toBe(false)
      })
    }
    for (const secret of manifests.filter((m) => m.kind === 'Secret')) {
      for (const value of Object.values({ ...secret.data, ...secret.stringData })) {
        expect(value, secret.file).toBe('')
      }
    }
  })
})

describe('deploy/lb/nginx.conf', () => {
  test('overwrites X-Forwarded-For with the peer address, never appends a client-sent one', () => {
    const conf = read('deploy/lb/nginx.conf')
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/)
    expect(conf).not.toContain('$proxy_add_x_forwarded_for')
  })
})

// ---- the ACL in a real redis-server --------------------------------------------------------

describe.skipIf(!hasRedisServer)('the Redis ACL of compose and k8s in a real redis-server', () => {
  for (const [shape, redis] of [
    ['docker-compose.yml', composeRedis()],
    ['deploy/k8s', k8sRedis()],
  ] as const) {
    test(`${shape}: anonymous clients are refused; the services' REDIS_URL works, FLUSHALL not`, async () => {
      const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim()
      const takashi = { username: 'takashi', password: TEST_REDIS_PASSWORD }
      await withRedisServer(
        redis.args,
        dir,
        async (admin) => {
          const port = admin.options.port!
          const anonymous = new Redis({
            port,
            lazyConnect: true,
            enableReadyCheck: false,
            retryStrategy: () => null,
          })
          anonymous.on('error', () => {})
          await anonymous.connect()
          await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/)
          anonymous.disconnect()
          const client = createRedis(redis.url(port))
          try {
            await client.set('takashi:probe', '1', 'EX', 10)
            expect(await client.get('takashi:probe')).toBe('1')
            expect(((await client.call('ROLE')) as string[])[0]).toBe('master')
            await expect(client.call('FLUSHALL')).rejects.toThrow(/NOPERM/)
            await expect(client.call('CONFIG', 'SET', 'maxmemory', '0')).rejects.toThrow(/NOPERM/)
          } finally {
            client.disconnect()
          }
        },
        takashi
      )
    })
  }
})
