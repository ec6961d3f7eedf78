import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { EXCHANGE_IDS } from '@takashi/schemas'
import { trustedProxies } from '@takashi/gateway'

const DIR = new URL('../../deploy/k8s/', import.meta.url)

interface Probe {
  httpGet?: { path: string; port: string | number }
}
interface Container {
  name: string
  image: string
  args?: string[]
  envFrom?: { configMapRef?: { name: string } }[]
  ports?: { name?: string; containerPort: number }[]
  livenessProbe?: Probe
  readinessProbe?: Probe
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
}
interface PodTemplate {
  metadata: { labels: Record<string, string> }
  spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } }
}
interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec?: {
    replicas?: number
    selector?: Record<string, string> & { matchLabels?: Record<string, string> }
    template?: PodTemplate
    ports?: { targetPort: string | number }[]
    scaleTargetRef?: { kind: string; name: string }
    minReplicas?: number
    maxReplicas?: number
  }
  data?: Record<string, string>
  resources?: string[]
}

// *.example.yaml are templates applied by hand (the Secret), not part of the kustomization
const files = readdirSync(DIR).filter(
  (file) => file.endsWith('.yaml') && !file.endsWith('.example.yaml')
)
const manifests: (Manifest & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((doc) => {
    expect(doc.errors, file).toEqual([])
    return { ...(doc.toJS() as Manifest), file }
  })
)
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind)
const deployments = ofKind('Deployment')
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

describe('deploy/k8s manifests', () => {
  test('parse, carry apiVersion, kind and name, and are all listed in the kustomization', () => {
    for (const m of manifests) {
      expect(m.apiVersion, m.file).toBeTruthy()
      expect(m.kind, m.file).toBeTruthy()
      if (m.kind !== 'Kustomization') expect(m.metadata.name, m.file).toBeTruthy()
    }
    const [kustomization] = ofKind('Kustomization')
    expect([...(kustomization?.resources ?? [])].sort()).toEqual(
      files.filter((file) => file !== 'kustomization.yaml').sort()
    )
  })

  test('a Deployment per exchange ingestor, the aggregator and the gateway, all on the one image', () => {
    const commands = deployments.map((d) => d.spec?.template?.spec.containers[0]?.args?.join(' '))
    expect(commands).toEqual(
      expect.arrayContaining([
        ...EXCHANGE_IDS.map((id) => `ingestor ${id}`),
        'aggregator',
        'gateway',
      ])
    )
    for (const d of deployments.filter((d) => d.metadata.name.startsWith('ingestor-'))) {
      expect(d.spec?.replicas, d.metadata.name).toBe(1)
    }
  })

  test('every container: config from the ConfigMap, probes on a declared port, resources, non-root', () => {
    const configMaps = new Set(ofKind('ConfigMap').map((c) => c.metadata.name))
    const config = ofKind('ConfigMap')[0]?.data ?? {}
    // REDIS_URL carries a password: each container builds it from the Secret (security.test.ts)
    for (const name of ['SYMBOLS', 'EXCHANGES', 'METRICS_PORT', 'PORT', 'LOG_LEVEL']) {
      expect(config, name).toHaveProperty(name)
    }
    // behind the ingress every client keeps its own rate limit
    expect(String(trustedProxies.parse(config.TRUSTED_PROXIES)).split(',')).toContain('uniquelocal')
    for (const d of deployments) {
      const template = d.spec!.template!
      expect(
        matches(d.spec!.selector!.matchLabels!, template.metadata.labels),
        d.metadata.name
      ).toBe(true)
      expect(template.spec.securityContext?.runAsNonRoot, d.metadata.name).toBe(true)
      for (const c of template.spec.containers) {
        const where = `${d.metadata.name}/${c.name}`
        expect(c.image, where).toBe('takashi')
        expect(
          c.envFrom?.map((e) => e.configMapRef?.name).every((n) => configMaps.has(n!)),
          where
        ).toBe(true)
        const ports = new Set(c.ports?.flatMap((p) => [p.name, p.containerPort]))
        for (const [probe, path] of [
          [c.livenessProbe, '/livez'],
          [c.readinessProbe, '/readyz'],
        ] as const) {
          expect(probe?.httpGet?.path, where).toBe(path)
          expect(ports.has(probe!.httpGet!.port), where).toBe(true)
        }
        expect(c.resources?.requests?.cpu, where).toBeTruthy()
        expect(c.resources?.requests?.memory, where).toBeTruthy()
        expect(c.resources?.limits?.memory, where).toBeTruthy()
      }
    }
  })

  test('Services select pods and target their ports; the autoscaler scales the gateway', () => {
    const pods = [
      ...deployments.map((d) => d.spec!.template!),
      ...ofKind('StatefulSet').map((s) => s.spec!.template!),
    ]
    for (const service of ofKind('Service')) {
      const pod = pods.find((p) => matches(service.spec!.selector!, p.metadata.labels))
      expect(pod, service.metadata.name).toBeDefined()
      const ports = new Set(pod!.spec.containers.flatMap((c) => c.ports!.map((p) => p.name)))
      for (const port of service.spec!.ports!) expect(ports.has(String(port.targetPort))).toBe(true)
    }
    const [hpa] = ofKind('HorizontalPodAutoscaler')
    expect(hpa?.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' })
    expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(2)
    expect(hpa!.spec!.maxReplicas!).toBeGreaterThan(hpa!.spec!.minReplicas!)
    expect(deployments.some((d) => d.metadata.name === hpa?.spec?.scaleTargetRef?.name)).toBe(true)
  })
})
