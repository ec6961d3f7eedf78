import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The Debian package's binary (.ci/run installs it). */
export const NGINX = '/usr/sbin/nginx'

const CONFIG = new URL('../../deploy/lb/nginx.conf', import.meta.url)

/**
 * The load-balancer config from deploy/, with only its addresses changed: `listen 8080` → a
 * loopback port and `gateway-N:8080` → the Nth local replica's port.
 */
export function renderNginxConfig(listenPort: number, gatewayPorts: readonly number[]): string {
  const template = readFileSync(CONFIG, 'utf8')
  const upstreams = [...template.matchAll(/server gateway-(\d+):8080/g)]
  if (upstreams.length !== gatewayPorts.length) {
    throw new Error(`deploy/lb/nginx.conf has ${upstreams.length} upstreams`)
  }
  return template
    .replace(/listen 8080;/, `listen 127.0.0.1:${listenPort};`)
    .replace(/server gateway-(\d+):8080/g, (_match, n: string) => {
      return `server 127.0.0.1:${gatewayPorts[Number(n) - 1]}`
    })
}

export interface RunningNginx {
  url: string
  output: () => string
  stop(): Promise<void>
}

/** nginx in the foreground with a private prefix and pid file; resolves once it answers. */
export async function startNginx(config: string, listenPort: number): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'takashi-nginx-'))
  writeFileSync(join(prefix, 'nginx.conf'), config)
  const logFile = join(prefix, 'output.log')
  const log = openSync(logFile, 'a')
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', `daemon off; pid ${prefix}/nginx.pid;`],
    // a file, not a pipe: nginx opens /dev/stdout for its access log, which fails on a socket
    { stdio: ['ignore', log, log] }
  )
  closeSync(log)
  const output = () => readFileSync(logFile, 'utf8')
  const url = `http://127.0.0.1:${listenPort}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
    rmSync(prefix, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`nginx exited with ${child.exitCode}: ${output()}`)
    }
    const ok = await fetch(`${url}/lb/livez`).then(
      (res) => res.ok,
      () => false
    )
    if (ok) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`nginx did not answer: ${output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { url, output, stop }
}
