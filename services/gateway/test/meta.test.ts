import { readFileSync } from 'node:fs'
import { afterEach, describe, expect } from 'vitest'
import { writeHeartbeat } from '@takashi/bus'
import { redisTest } from '@takashi/testing'
import { binanceView, noLiquidationsView, startGateway, type RunningGateway } from './helpers.ts'

let gateway: RunningGateway | undefined
afterEach(async () => {
  await gateway?.stop()
  gateway = undefined
})

async function getJson(path: string) {
  const res = await fetch(`${gateway?.url}${path}`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const rootVersion = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version

describe('service routes', () => {
  redisTest('GET / names the service, version, exchanges and docs', async ({ redisUrl, keys }) => {
    gateway = await startGateway({ redisUrl, keys })
    expect(await getJson('/')).toEqual({
      status: 200,
      body: { name: 'takashi', version: rootVersion, exchanges: ['binance'], docs: '/docs' },
    })
  })

  redisTest(
    'GET /health: ok, degraded for a stale or silent exchange',
    async ({ redis, redisUrl, keys }) => {
      const now = 1_700_000_000_000
      gateway = await startGateway(
        { redisUrl, keys },
        { exchanges: [binanceView, noLiquidationsView], now: () => now }
      )
      await writeHeartbeat(redis, keys, 'binance', {
        'btcusdt@aggTrade': now - 1_500,
        'btcusdt@kline_1m': now - 90_000,
      })
      expect(await getJson('/health')).toEqual({
        status: 200,
        body: {
          status: 'degraded',
          redis: 'ok',
          exchanges: {
            binance: { status: 'ok', last_message_age_ms: 1_500 },
            hyperliquid: { status: 'degraded', last_message_age_ms: null },
          },
        },
      })
      await writeHeartbeat(redis, keys, 'hyperliquid', { trades: now - 61_000 })
      expect((await getJson('/health')).body.exchanges).toMatchObject({
        hyperliquid: { status: 'degraded', last_message_age_ms: 61_000 },
      })
      await writeHeartbeat(redis, keys, 'hyperliquid', { trades: now - 10 })
      expect((await getJson('/health')).body.status).toBe('ok')

      expect(await getJson('/exchanges')).toEqual({
        status: 200,
        body: [
          // with a SYMBOLS list, each exchange serves the listed symbols it can name
          { name: 'binance', status: 'ok', capabilities: binanceView.capabilities, symbols: 2 },
          {
            name: 'hyperliquid',
            status: 'ok',
            capabilities: noLiquidationsView.capabilities,
            symbols: 2,
          },
        ],
      })
    }
  )

  redisTest('GET /health is 503 down when Redis is unreachable', async ({ keys }) => {
    gateway = await startGateway({ redisUrl: 'redis://127.0.0.1:1', keys })
    expect(await getJson('/health')).toEqual({
      status: 503,
      body: {
        status: 'down',
        redis: 'down',
        exchanges: { binance: { status: 'down', last_message_age_ms: null } },
      },
    })
  })

  redisTest(
    'GET /openapi.json is OpenAPI 3.1 built from the record schemas',
    async ({ redisUrl, keys }) => {
      gateway = await startGateway({ redisUrl, keys })
      const { status, body } = await getJson('/openapi.json')
      expect(status).toBe(200)
      expect(body.openapi).toBe('3.1.0')
      const doc = body as {
        paths: Record<
          string,
          { get: { parameters?: { name: string }[]; responses: Record<string, unknown> } }
        >
        components: {
          schemas: Record<string, { properties: Record<string, unknown>; required: string[] }>
        }
      }
      const ohlc = doc.components.schemas.OHLC
      expect(Object.keys(ohlc?.properties ?? {})).toEqual([
        'exchange',
        'symbol',
        'timestamp',
        'received_at',
        'interval',
        'open',
        'high',
        'low',
        'close',
        'volume',
        'quote_volume',
        'trades',
        'closed',
      ])
      expect(doc.components.schemas.Error).toBeDefined()
      const route = doc.paths['/{exchange}/ohlc/{symbol}/{interval}']?.get
      expect(route?.parameters?.map((p) => p.name)).toEqual([
        'exchange',
        'symbol',
        'interval',
        'limit',
        'start_time',
        'end_time',
      ])
      expect(route?.responses['400']).toMatchObject({
        description: expect.any(String) as unknown,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      })
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/',
          '/health',
          '/exchanges',
          '/{exchange}/open-interest/{symbol}',
          '/{exchange}/funding-rate/{symbol}',
        ])
      )
    }
  )

  redisTest(
    'GET /docs serves the interactive docs and their assets locally',
    async ({ redisUrl, keys }) => {
      gateway = await startGateway({ redisUrl, keys })
      const page = await fetch(`${gateway.url}/docs`)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      const html = await page.text()
      expect(html).toContain('/docs/assets/swagger-ui-bundle.js')
      const init = await (await fetch(`${gateway.url}/docs/init.js`)).text()
      expect(init).toContain("url: '/openapi.json'")
      const bundle = await fetch(`${gateway.url}/docs/assets/swagger-ui-bundle.js`)
      expect(bundle.status).toBe(200)
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
    }
  )

  redisTest(
    'GET /metrics counts requests by route pattern and status',
    async ({ redisUrl, keys }) => {
      gateway = await startGateway({ redisUrl, keys })
      await fetch(`${gateway.url}/binance/ohlc/BTCUSDT/1m?limit=0`)
      await fetch(`${gateway.url}/nope`)
      const res = await fetch(`${gateway.url}/metrics`)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
      const text = await res.text()
      expect(text).toContain(
        'takashi_gateway_http_requests_total{route="/:exchange/ohlc/:symbol/:interval",status="400"} 1'
      )
      expect(text).toContain(
        'takashi_gateway_http_requests_total{route="unmatched",status="404"} 1'
      )
      expect(text).toContain('takashi_gateway_http_request_duration_seconds_bucket')
      for (const name of [
        'takashi_gateway_cache_requests_total{kind="ohlc",result="miss"} 0',
        'takashi_gateway_ws_clients{stream="trades"} 0',
        'takashi_gateway_ws_messages_sent_total{stream="ohlc"} 0',
        'takashi_gateway_ws_slow_disconnects_total 0',
        'takashi_gateway_redis_resubscribes_total 0',
      ]) {
        expect(text).toContain(name)
      }
    }
  )
})
