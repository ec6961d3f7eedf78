import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { parse, parseDocument } from 'yaml'
import { EXCHANGE_IDS } from '@takashi/schemas'
import { trustedProxies } from '@takashi/gateway'
import { readDashboards } from './dashboards.ts'
import { readDockerfile } from './dockerfile.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string) => readFileSync(new URL(path, `file://${root}`), 'utf8')

interface Service {
  image?: string
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, unknown>
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>
}
const services = compose.services
const takashi = Object.entries(services).filter(([, s]) => s.image === 'takashi:local')

describe('docker-compose.yml', () => {
  test('Redis with noeviction and stated persistence; an ingestor per exchange; aggregator; three gateways behind the balancer', () => {
    const redis = services.redis?.command?.join(' ') ?? ''
    expect(redis).toContain('--maxmemory-policy noeviction')
    expect(redis).toContain('--appendonly yes')
    for (const id of EXCHANGE_IDS) {
      expect(services[`ingestor-${id}`]?.command).toEqual(['ingestor', id])
    }
    expect(services.aggregator?.command).toEqual(['aggregator'])
    const gateways = takashi.filter(([, s]) => s.command?.[0] === 'gateway').map(([name]) => name)
    expect(gateways).toEqual(['gateway-1', 'gateway-2', 'gateway-3'])
    expect(Object.keys(services.lb?.depends_on ?? {})).toEqual(gateways)
    const upstreams = [...read('deploy/lb/nginx.conf').matchAll(/server (\S+):8080/g)]
    expect(upstreams.map((m) => m[1])).toEqual(gateways)
    // the password comes from .env (security.test.ts checks the rest)
    for (const [name, service] of takashi) {
      expect(service.environment?.REDIS_URL, name).toMatch(
        /^redis:\/\/takashi:\$\{REDIS_PASSWORD:\?.+\}@redis:6379$/
      )
    }
  })

  test('Prometheus scrapes every takashi process on the port it serves /metrics on', () => {
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[]
      scrape_configs: { static_configs: { targets: string[] }[] }[]
    }
    const targets = prometheus.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((config) => config.targets)
    )
    for (const [name, service] of takashi) {
      const port = service.environment?.METRICS_PORT ?? service.environment?.PORT
      expect(targets, name).toContain(`${name}:${port}`)
    }
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml'])
  })

  test('gateways trust the balancer on the private compose network, so each client has its own limit', () => {
    const gateways = takashi.filter(([, s]) => s.command?.[0] === 'gateway')
    for (const [name, service] of gateways) {
      const value = /^\$\{TRUSTED_PROXIES:-(.+)\}$/.exec(service.environment?.TRUSTED_PROXIES ?? '')
      const trusted = trustedProxies.parse(value?.[1])
      expect(String(trusted).split(','), name).toContain('uniquelocal')
    }
  })

  test('bind mounts exist; Grafana provisions the Prometheus datasource and every dashboard', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!
        if (source.startsWith('.')) expect(existsSync(`${root}/${source}`), name).toBe(true)
      }
    }
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[]
    }
    const [datasource] = datasources.datasources
    expect(datasource?.url).toBe('http://prometheus:9090')
    const provider = parse(read('deploy/grafana/provisioning/dashboards/takashi.yml')) as {
      providers: { options: { path: string } }[]
    }
    const mount = services.grafana?.volumes?.find((v) =>
      v.startsWith('./deploy/grafana/dashboards')
    )
    expect(mount?.split(':')[1]).toBe(provider.providers[0]?.options.path)
    const titles = readDashboards().map(({ dashboard }) => dashboard.title)
    expect(titles.sort()).toEqual(['Gateway', 'Ingest health'])
    for (const { file } of readDashboards()) {
      const uids = new Set(
        [...read(`deploy/grafana/dashboards/${file}`).matchAll(/"uid": "([^"]+)"/g)].map(
          (m) => m[1]
        )
      )
      expect(uids, file).toContain(datasource?.uid)
    }
  })

  test('`docker compose config` accepts the file where the compose plugin exists', () => {
    const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' })
    if (plugin.status === 0) {
      // the passwords are required from .env: give test values
      const config = spawnSync('docker', ['compose', 'config', '--quiet'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, REDIS_PASSWORD: 'test', GRAFANA_ADMIN_PASSWORD: 'test' },
      })
      expect(config.status, config.stderr).toBe(0)
    } else {
      // no plugin here: the structural checks above stand in; the file must still be plain YAML
      const doc = parseDocument(read('docker-compose.yml'), { merge: true, uniqueKeys: true })
      expect(doc.errors).toEqual([])
      expect(doc.warnings).toEqual([])
    }
  })
})

describe('deploy/Dockerfile', () => {
  const instructions = readDockerfile()
  const ignored = read('.dockerignore')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))

  test('multi-stage: compiles with the deploy tsconfig, installs production deps, runs as non-root with a HEALTHCHECK', () => {
    const stages = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args)
    expect(stages.length).toBeGreaterThanOrEqual(3)
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)
    expect(runs.some((r) => r.includes('tsc -p deploy/tsconfig.build.json'))).toBe(true)
    expect(runs.some((r) => r.includes('deploy/stage-runtime.ts dist'))).toBe(true)
    expect(runs.some((r) => r.includes('pnpm install --prod --offline --frozen-lockfile'))).toBe(
      true
    )
    const users = instructions.filter((i) => i.keyword === 'USER').map((i) => i.args)
    expect(users.at(-1)).toBe('node')
    expect(instructions.some((i) => i.keyword === 'HEALTHCHECK')).toBe(true)
    expect(instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe('["takashi"]')
  })

  test('every stage starts from Node 22 or later, pinned by digest, or from an earlier stage', () => {
    const arg = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='))
    const image = arg?.args.slice('NODE_IMAGE='.length) ?? ''
    const pinned = /^node:(\d+)[\w.-]*@sha256:[0-9a-f]{64}$/.exec(image)
    expect(pinned, image).not.toBeNull()
    expect(Number(pinned![1])).toBeGreaterThanOrEqual(22)
    // the image satisfies the engines range the code declares (>=major.minor)
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines
    const floor = /^>=(\d+)\.\d+$/.exec(engines.node)
    expect(Number(pinned![1])).toBeGreaterThanOrEqual(Number(floor?.[1]))
    const stages: string[] = []
    for (const from of instructions.filter((i) => i.keyword === 'FROM')) {
      const [base, as, name] = from.args.split(/\s+/)
      expect([...stages, '${NODE_IMAGE}'], `line ${from.line}`).toContain(base)
      if (as?.toUpperCase() === 'AS') stages.push(name!)
    }
  })

  test('layer caching: `pnpm fetch` from the lockfile alone before any source, then offline installs', () => {
    const fetch = instructions.findIndex((i) => i.keyword === 'RUN' && i.args === 'pnpm fetch')
    expect(fetch).toBeGreaterThan(0)
    const copied = (i: (typeof instructions)[number]) =>
      i.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1)
    const before = instructions
      .slice(0, fetch)
      .filter((i) => i.keyword === 'COPY')
      .flatMap(copied)
    expect(before.sort()).toEqual(['.npmrc', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'])
    const after = instructions
      .slice(fetch)
      .filter((i) => i.keyword === 'COPY')
      .flatMap(copied)
    expect(after).toEqual(expect.arrayContaining(['package.json', 'packages', 'services']))
    const installs = instructions.filter((i) => i.keyword === 'RUN' && /pnpm install/.test(i.args))
    expect(installs.length).toBe(2)
    for (const install of installs) {
      expect(install.args, `line ${install.line}`).toMatch(/--offline/)
      expect(install.args, `line ${install.line}`).toMatch(/--frozen-lockfile/)
    }
  })

  test('every COPY source from the context exists and is not excluded by .dockerignore', () => {
    const copies = instructions.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from'))
    expect(copies.length).toBeGreaterThan(0)
    for (const copy of copies) {
      const sources = copy.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1)
      for (const source of sources) {
        expect(existsSync(`${root}/${source}`), `line ${copy.line}: ${source}`).toBe(true)
        expect(ignored, `line ${copy.line}: ${source}`).not.toContain(source)
      }
    }
    for (const needed of [
      'deploy/tsconfig.build.json',
      'deploy/stage-runtime.ts',
      'deploy/entrypoint.sh',
    ]) {
      expect(ignored.some((pattern) => needed.startsWith(pattern.replace(/\*\*\//, '')))).toBe(
        false
      )
    }
  })
})
