import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { TEST_REDIS_PASSWORD } from './redis-ha.ts'

const K8S = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url))
export const OVERLAY = 'overlays/production'

/** Whether `kubectl kustomize` runs here (kubectl has carried kustomize since 1.14). */
export const hasKubectl =
  spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 10_000 }).status === 0

/** Why the rendered checks did not run, printed where they are skipped. */
export const NO_KUBECTL =
  'kubectl is not installed: the rendered kustomize checks are skipped; the checks of the ' +
  'source files (security.test.ts, redis-ha.test.ts) still cover every container'

/** The optional components the production overlay lists, commented out, under `components:`. */
export type Component = 'redis-ha' | 'prometheus-operator'

export interface Rendered {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec?: Record<string, unknown>
  data?: Record<string, string>
  stringData?: Record<string, string>
}

/**
 * `kubectl kustomize deploy/k8s/overlays/production` as a user runs it: in a copy of deploy/k8s
 * where secrets.env holds the test password, with the given components uncommented in the
 * overlay's kustomization.yaml.
 */
export function renderProduction(components: Component[] = []): Rendered[] {
  const dir = mkdtempSync(join(tmpdir(), 'takashi-k8s-'))
  try {
    cpSync(K8S, dir, { recursive: true })
    const overlay = join(dir, OVERLAY)
    writeFileSync(join(overlay, 'secrets.env'), `password=${TEST_REDIS_PASSWORD}\n`)
    const file = join(overlay, 'kustomization.yaml')
    let text = readFileSync(file, 'utf8')
    for (const name of components) {
      const line = `  # - ../../components/${name}\n`
      if (!text.includes(line))
        throw new Error(`the overlay does not list ${name} under components`)
      text = text.replace(line, `  - ../../components/${name}\n`)
    }
    writeFileSync(file, text)
    const run = spawnSync('kubectl', ['kustomize', overlay], { encoding: 'utf8', timeout: 60_000 })
    if (run.status !== 0) throw new Error(`kubectl kustomize failed: ${run.stderr}`)
    return parseAllDocuments(run.stdout).map((doc) => {
      if (doc.errors.length > 0) throw new Error(String(doc.errors[0]))
      return doc.toJS() as Rendered
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A generated object's name without kustomize's content hash (`takashi-config-5m2c6hgb9t`). */
export const unhashed = (name: string) => name.replace(/-[a-z0-9]{10}$/, '')
