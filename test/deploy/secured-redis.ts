import { readFileSync } from 'node:fs'
import { parse, parseAllDocuments } from 'yaml'
import { kubeletExpand, TEST_REDIS_PASSWORD } from './redis-ha.ts'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

/** Compose interpolation with the test's .env: `${X:?msg}` → its value, `${X:-d}` → d. */
export function composeInterpolate(text: string, env = { REDIS_PASSWORD: TEST_REDIS_PASSWORD }) {
  return text.replace(
    /\$\$|\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$'
      const value = (env as Record<string, string>)[name!]
      if (match.includes(':?') && value === undefined) throw new Error(`${match} is not set`)
      return value ?? fallback ?? ''
    }
  )
}

interface ComposeService {
  command?: string[]
  environment?: Record<string, string>
}

/**
 * The Redis of docker-compose.yml and the REDIS_URL its services get, with the test password:
 * `args` for a local redis-server (after `redis-server`), `url(port)` aimed at it on loopback.
 */
export function composeRedis() {
  const { services } = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>
  }
  const [, ...args] = (services.redis?.command ?? []).map((arg) => composeInterpolate(arg))
  const url = composeInterpolate(services.aggregator?.environment?.REDIS_URL ?? '')
  return { args, url: (port: number) => url.replace('@redis:6379', `@127.0.0.1:${port}`) }
}

interface EnvVar {
  name: string
  value?: string
}

/** The same for deploy/k8s: the Redis container's args and the aggregator's REDIS_URL. */
export function k8sRedis() {
  const docs = (file: string) =>
    parseAllDocuments(read(`deploy/k8s/base/${file}`)).map(
      (d) =>
        d.toJS() as {
          kind: string
          spec: { template: { spec: { containers: { args?: string[]; env?: EnvVar[] }[] } } }
        }
    )
  const secret = { REDIS_PASSWORD: TEST_REDIS_PASSWORD }
  const redis = docs('redis.yaml').find((d) => d.kind === 'StatefulSet')!
  const args = (redis.spec.template.spec.containers[0]?.args ?? []).map((a) =>
    kubeletExpand(a, secret)
  )
  const aggregator = docs('aggregator.yaml')[0]!.spec.template.spec.containers[0]!
  const url = kubeletExpand(
    aggregator.env?.find((e) => e.name === 'REDIS_URL')?.value ?? '',
    secret
  )
  return { args, url: (port: number) => url.replace('@redis:6379', `@127.0.0.1:${port}`) }
}
