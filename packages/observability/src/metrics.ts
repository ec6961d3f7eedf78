import { createServer, type Server } from 'node:http'
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'

/** One registry per process, labelled with its service, with Node's default metrics. */
export function createRegistry(service: string): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry, prefix: `takashi_${service}_` })
  return registry
}

/** Serves `/metrics`, `/livez` and `/readyz` on their own port (ingestors, aggregator). */
export function serveMetrics(
  registry: Registry,
  port: number,
  ready: () => boolean = () => true
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType })
          res.end(body)
        })
        .catch(() => {
          res.writeHead(500).end()
        })
      return
    }
    if (path === '/livez' || path === '/readyz') {
      const ok = path === '/livez' || ready()
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: ok ? 'ok' : 'not_ready' }))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { code: 'not_found', message: `no route ${path}` } }))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, () => resolve(server))
  })
}

/** `takashi_<service>_redis_up`: 1 while the process's Redis connection is ready, read at scrape. */
export function trackRedisUp(registry: Registry, service: string, redis: { status: string }): void {
  new Gauge({
    name: `takashi_${service}_redis_up`,
    help: 'Whether this process is connected to Redis (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(redis.status === 'ready' ? 1 : 0)
    },
  })
}
