import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where a Docker engine's API answers: a unix socket or a tcp host and port. */
export type DockerEndpoint = { socketPath: string } | { host: string; port: number }

/**
 * The engine endpoints to try, as the Docker CLI and testcontainers find them: DOCKER_HOST when
 * set (unix:// or tcp://), else the usual sockets (rootful, Docker Desktop, rootless) that exist.
 */
export function dockerEndpoints(env: NodeJS.ProcessEnv = process.env): DockerEndpoint[] {
  const host = env.DOCKER_HOST
  if (host) {
    if (host.startsWith('unix://')) return [{ socketPath: host.slice('unix://'.length) }]
    const tcp = /^tcp:\/\/([^:/]+):(\d+)/.exec(host)
    return tcp ? [{ host: tcp[1]!, port: Number(tcp[2]) }] : []
  }
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
  ]
  return sockets.filter((path) => existsSync(path)).map((socketPath) => ({ socketPath }))
}

/** Whether the engine at `endpoint` answers `GET /_ping` with OK within `timeoutMs`. */
export function pingDocker(endpoint: DockerEndpoint, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'))
      res.on('error', () => resolve(false))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

let reachable: Promise<boolean> | undefined

/**
 * Whether a Docker engine answers on this machine, asked once per process. Quiet and fast where
 * there is none: no socket file means no request at all, a silent one gives up after 1 s.
 */
export function dockerReachable(): Promise<boolean> {
  reachable ??= (async () => {
    for (const endpoint of dockerEndpoints()) if (await pingDocker(endpoint)) return true
    return false
  })()
  return reachable
}
