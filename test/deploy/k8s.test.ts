import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { EXCHANGE_IDS } from '@takashi/schemas'
import { trustedProxies } from '@takashi/gateway'
import { hasKubectl, NO_KUBECTL, renderProduction, unhashed, type Rendered } from './kustomize.ts'
import { TEST_REDIS_PASSWORD } from './redis-ha.ts'

interface Probe {
  httpGet?: { path: string; port: string | number }
}
interface Container {
  name: string
  image: string
  args?: string[]
  envFrom?: { configMapRef?: { name: string } }[]
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[]
  ports?: { name?: string; containerPort: number }[]
  livenessProbe?: Probe
  readinessProbe?: Probe
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> }
  spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } }
}
interface WorkloadSpec {
  replicas?: number
  strategy?: { type: string }
  selector: { matchLabels: Record<string, string> }
  template: PodTemplate
}
interface ServiceSpec {
  selector: Record<string, string>
  ports: { name?: string; targetPort: string | number }[]
}
type Of<S> = Rendered & { spec: S }

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

/** The image and settings overlays/production/kustomization.yaml gives. */
const overlay = parse(read('deploy/k8s/overlays/production/kustomization.yaml')) as {
  images: { name: string; newName: string; newTag: string }[]
  replicas: { name: string; count: number }[]
  configMapGenerator: { name: string; literals: string[] }[]
}

if (!hasKubectl) console.log(NO_KUBECTL)

describe.skipIf(!hasKubectl)('deploy/k8s/overlays/production, rendered', () => {
  const objects = hasKubectl ? renderProduction() : []
  const ofKind = <S = Record<string, unknown>>(kind: string) =>
    objects.filter((o) => o.kind === kind) as Of<S>[]
  const deployments = ofKind<WorkloadSpec>('Deployment')
  const workloads = [...deployments, ...ofKind<WorkloadSpec>('StatefulSet')]
  const takashi = deployments.flatMap((d) => d.spec.template.spec.containers)

  test('every object in the takashi namespace, labelled part-of takashi', () => {
    expect(objects.length).toBeGreaterThan(10)
    for (const o of objects) {
      const where = `${o.kind}/${o.metadata.name}`
      if (o.kind === 'Namespace') expect(o.metadata.name).toBe('takashi')
      else expect(o.metadata.namespace, where).toBe('takashi')
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], where).toBe('takashi')
    }
  })

  test('a Deployment per exchange ingestor, made from one template, the aggregator and the gateway, all on the overlay image', () => {
    const commands = deployments.map((d) => d.spec.template.spec.containers[0]?.args?.join(' '))
    expect(commands.sort()).toEqual(
      [...EXCHANGE_IDS.map((id) => `ingestor ${id}`), 'aggregator', 'gateway'].sort()
    )
    const [image] = overlay.images
    for (const c of takashi) expect(c.image, c.name).toBe(`${image!.newName}:${image!.newTag}`)
    // the four differ only in their name, instance label and exchange
    const ingestors = EXCHANGE_IDS.map((id) => {
      const d = deployments.find((d) => d.metadata.name === `ingestor-${id}`)
      expect(d, id).toBeDefined()
      expect(d!.spec.replicas, id).toBe(1)
      expect(d!.spec.strategy?.type, id).toBe('Recreate')
      const instance = { 'app.kubernetes.io/instance': `ingestor-${id}` }
      expect(d!.spec.selector.matchLabels, id).toMatchObject(instance)
      expect(d!.spec.template.metadata.labels, id).toMatchObject(instance)
      return JSON.parse(
        JSON.stringify(d).replaceAll(`ingestor-${id}`, 'ingestor-X').replace(`"${id}"`, '"X"')
      ) as unknown
    })
    for (const other of ingestors.slice(1)) expect(other).toEqual(ingestors[0])
  })

  test('the overlay sets replicas and settings; the gateway count is the autoscaler’s alone', () => {
    for (const { name, count } of overlay.replicas) {
      expect(deployments.find((d) => d.metadata.name === name)?.spec.replicas, name).toBe(count)
    }
    const [config] = ofKind('ConfigMap')
    for (const literal of overlay.configMapGenerator[0]!.literals) {
      const [key, value] = literal.split('=') as [string, string]
      expect(config?.data?.[key], key).toBe(value)
    }
    const [hpa] = ofKind<{
      scaleTargetRef: { kind: string; name: string }
      minReplicas: number
      maxReplicas: number
    }>('HorizontalPodAutoscaler')
    expect(hpa?.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' })
    expect(hpa!.spec.minReplicas).toBeGreaterThanOrEqual(2)
    expect(hpa!.spec.maxReplicas).toBeGreaterThan(hpa!.spec.minReplicas)
    const gateway = deployments.find((d) => d.metadata.name === 'gateway')
    expect(gateway?.spec).not.toHaveProperty('replicas')
  })

  test('every takashi container: the generated ConfigMap and Secret, probes on a declared port, resources, non-root', () => {
    const [config] = ofKind('ConfigMap')
    const [secret] = ofKind('Secret')
    expect(unhashed(config!.metadata.name)).toBe('takashi-config')
    expect(unhashed(secret!.metadata.name)).toBe('takashi-redis')
    expect(Buffer.from(secret!.data!.password!, 'base64').toString()).toBe(TEST_REDIS_PASSWORD)
    for (const name of ['SYMBOLS', 'EXCHANGES', 'METRICS_PORT', 'PORT', 'LOG_LEVEL']) {
      expect(config?.data, name).toHaveProperty(name)
    }
    // behind the ingress every client keeps its own rate limit
    const trusted = String(trustedProxies.parse(config?.data?.TRUSTED_PROXIES)).split(',')
    expect(trusted).toContain('uniquelocal')
    for (const w of workloads) {
      const where = w.metadata.name
      expect(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), where).toBe(
        true
      )
      expect(w.spec.template.spec.securityContext?.runAsNonRoot, where).toBe(true)
      for (const c of w.spec.template.spec.containers) {
        for (const ref of c.env ?? []) {
          const key = ref.valueFrom?.secretKeyRef
          if (key) expect(key, where).toEqual({ name: secret!.metadata.name, key: 'password' })
        }
      }
    }
    expect(takashi.length).toBe(EXCHANGE_IDS.length + 2)
    for (const c of takashi) {
      expect(c.envFrom?.map((e) => e.configMapRef?.name)).toEqual([config!.metadata.name])
      const ports = new Set(c.ports?.flatMap((p) => [p.name, p.containerPort]))
      for (const [probe, path] of [
        [c.livenessProbe, '/livez'],
        [c.readinessProbe, '/readyz'],
      ] as const) {
        expect(probe?.httpGet?.path, c.name).toBe(path)
        expect(ports.has(probe!.httpGet!.port), c.name).toBe(true)
      }
      expect(c.resources?.requests?.cpu, c.name).toBeTruthy()
      expect(c.resources?.requests?.memory, c.name).toBeTruthy()
      expect(c.resources?.limits?.memory, c.name).toBeTruthy()
    }
  })

  test('Services select pods and target their ports', () => {
    for (const service of ofKind<ServiceSpec>('Service')) {
      const pod = workloads
        .map((w) => w.spec.template)
        .find((p) => matches(service.spec.selector, p.metadata.labels))
      expect(pod, service.metadata.name).toBeDefined()
      const ports = new Set(pod!.spec.containers.flatMap((c) => c.ports!.map((p) => p.name)))
      for (const port of service.spec.ports) expect(ports.has(String(port.targetPort))).toBe(true)
    }
  })
})

describe.skipIf(!hasKubectl)('deploy/k8s/components, rendered into the overlay', () => {
  const objects = hasKubectl ? renderProduction(['redis-ha', 'prometheus-operator']) : []
  const find = <S>(kind: string, name?: string) =>
    objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as
      Of<S> | undefined
  const pods = objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => (o as Of<WorkloadSpec>).spec.template)

  test('redis-ha: two Redis nodes, three Sentinels, and every takashi pod told where they are', () => {
    expect(find<WorkloadSpec>('StatefulSet', 'redis')?.spec.replicas).toBe(2)
    expect(find<WorkloadSpec>('StatefulSet', 'redis-sentinel')?.spec.replicas).toBe(3)
    const config = find('ConfigMap')!
    expect(config.data?.REDIS_SENTINELS?.split(',')).toHaveLength(3)
    expect(config.data?.REDIS_SENTINEL_NAME).toBe('mymaster')
    // the overlay's own settings survive the component's
    expect(config.data?.SYMBOLS).toBeTruthy()
  })

  test('prometheus-operator: monitors reach every takashi process under its job; the rules are alerts.yml', () => {
    interface Endpoint {
      port: string
      path: string
    }
    const monitor = find<{ jobLabel: string; selector: { matchLabels: Record<string, string> } }>(
      'ServiceMonitor'
    )!
    const service = find<ServiceSpec>('Service', 'gateway')!
    expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels!)).toBe(true)
    const endpoints = (monitor.spec as unknown as { endpoints: Endpoint[] }).endpoints
    expect(endpoints.map((e) => e.port)).toEqual(service.spec.ports.map((p) => p.name))
    expect(service.metadata.labels?.[monitor.spec.jobLabel]).toBe('gateway')

    const podMonitor = find<{
      jobLabel: string
      selector: { matchExpressions: { key: string; operator: string; values: string[] }[] }
      podMetricsEndpoints: Endpoint[]
    }>('PodMonitor')!
    const [expression] = podMonitor.spec.selector.matchExpressions
    const selected = pods.filter((p) =>
      expression!.values.includes(p.metadata.labels[expression!.key]!)
    )
    const jobs = new Set(selected.map((p) => p.metadata.labels[podMonitor.spec.jobLabel]))
    // the alert rules use up{job="ingestor"} and up{job="gateway"}, as prometheus.yml names them
    expect([...jobs].sort()).toEqual(['aggregator', 'ingestor'])
    expect(selected).toHaveLength(EXCHANGE_IDS.length + 1)
    for (const pod of selected) {
      const ports = pod.spec.containers.flatMap((c) => c.ports!.map((p) => p.name))
      for (const endpoint of podMonitor.spec.podMetricsEndpoints) {
        expect(ports).toContain(endpoint.port)
        // the same port and path as the pods' prometheus.io annotations
        expect(endpoint.path).toBe(pod.metadata.annotations?.['prometheus.io/path'])
      }
    }

    // the same groups; kustomize may re-fold a multi-line expression, PromQL ignores whitespace
    const rule = find<{ groups: unknown }>('PrometheusRule')!
    const alerts = parse(read('deploy/prometheus/alerts.yml')) as { groups: unknown }
    const spaced = (groups: unknown) =>
      JSON.parse(JSON.stringify(groups), (_key, value: unknown) =>
        typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : value
      ) as unknown
    expect(spaced(rule.spec.groups)).toEqual(spaced(alerts.groups))
    expect(rule.metadata.labels?.['app.kubernetes.io/part-of']).toBe('takashi')
  })
})

// The source files, checked where kubectl is missing too.
describe('deploy/k8s sources', () => {
  interface Kustomization {
    resources?: string[]
    nameSuffix?: string
    patches?: { patch: string }[]
  }
  const kustomization = (dir: string) =>
    parse(read(`deploy/k8s/${dir}/kustomization.yaml`)) as Kustomization

  test('the base makes every exchange’s ingestor from the one template', () => {
    const listed = (kustomization('base').resources ?? []).filter((r) => r.startsWith('ingestors/'))
    expect(listed).toEqual(EXCHANGE_IDS.map((id) => `ingestors/${id}`))
    for (const id of EXCHANGE_IDS) {
      const own = kustomization(`base/ingestors/${id}`)
      expect(own.resources).toEqual(['../template'])
      expect(own.nameSuffix).toBe(`-${id}`)
      const [patch] = (own.patches ?? []).map((p) => parse(p.patch) as Rendered)
      const spec = patch?.spec as { template: { spec: { containers: Container[] } } }
      expect(spec.template.spec.containers).toEqual([{ name: 'ingestor', args: ['ingestor', id] }])
    }
  })

  test('the PrometheusRule of the operator component holds alerts.yml’s groups exactly', () => {
    const rule = parse(read('deploy/k8s/components/prometheus-operator/alerts.yaml')) as Rendered
    const alerts = parse(read('deploy/prometheus/alerts.yml')) as { groups: unknown }
    expect(rule.kind).toBe('PrometheusRule')
    expect(rule.spec?.groups).toEqual(alerts.groups)
  })
})
