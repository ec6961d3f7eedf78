import type { IncomingMessage } from 'node:http'
import { afterEach } from 'vitest'
import { Registry } from 'prom-client'
import type { Keys } from '@takashi/bus'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import type { Ohlc } from '@takashi/schemas'
import { connectWs, ohlc, type WsClient } from '@takashi/testing'
import type { ExchangeView } from '../src/catalog.ts'
import { createGateway, type GatewayOptions } from '../src/index.ts'

/** The real Binance adapter (capabilities, intervals, symbol forms). */
export const binanceView: ExchangeView = adapters.binance!

/** A second venue without market-wide liquidations, shaped like Hyperliquid (no adapter yet). */
export const noLiquidationsView: ExchangeView = {
  id: 'hyperliquid',
  capabilities: {
    ohlc: true,
    open_interest: true,
    funding_rate: true,
    liquidations: false,
    large_trades: true,
    trades: true,
  },
  intervals: ['1m', '5m', '15m', '1h', '4h', '1d'],
  toNative: (symbol) => (symbol.endsWith('USDT') ? symbol.slice(0, -4) : null),
  fromNative: (native) => (/^[A-Z0-9]+$/.test(native) ? `${native}USDT` : null),
}

export interface RunningGateway {
  url: string
  wsUrl: string
  registry: Registry
  stop(): Promise<void>
}

/** A gateway on a free port against the test's Redis and key prefix. */
export async function startGateway(
  ctx: { redisUrl: string; keys: Keys },
  overrides: Partial<GatewayOptions> = {}
): Promise<RunningGateway> {
  const registry = new Registry()
  const gateway = createGateway({
    redisUrl: ctx.redisUrl,
    keys: ctx.keys,
    log: createLogger({ service: 'gateway', level: 'silent' }),
    registry,
    exchanges: [binanceView],
    symbols: ['BTCUSDT', 'ETHUSDT'],
    intervals: ['1m', '5m'],
    fetchTimeoutMs: 3_000,
    ...overrides,
  })
  const port = await gateway.listen(0)
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    registry,
    stop: () => gateway.stop(),
  }
}

/**
 * For a test file: `cleanups` are undone after each test, last first; `gateway` and `client` are
 * `startGateway` and `connect` whose gateway or socket is among them.
 */
export function perTest() {
  const cleanups: (() => Promise<unknown> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return {
    cleanups,
    gateway: async (
      ctx: { redisUrl: string; keys: Keys },
      overrides: Partial<GatewayOptions> = {}
    ) => {
      const gateway = await startGateway(ctx, overrides)
      cleanups.push(() => gateway.stop())
      return gateway
    },
    client: async (gateway: RunningGateway, path: string, headers: Record<string, string> = {}) => {
      const opened = await connect(`${gateway.wsUrl}${path}`, headers)
      cleanups.push(() => opened.ws.terminate())
      return opened
    },
  }
}

export { metricValue, refusedUpgrade } from '@takashi/testing'

// Records default to Binance BTCUSDT at T0 (received 500 ms later): @takashi/testing's builders.
export { fundingRate, openInterest, largeTrade as trade } from '@takashi/testing'

export const candle = (timestamp: number, overrides: Partial<Ohlc> = {}): Ohlc =>
  ohlc({ timestamp, ...overrides })

/** A connected client that records every text message it receives, unparsed. */
export type TestClient = Omit<WsClient, 'messages'> & { messages: string[] }

export async function connect(
  url: string,
  headers: Record<string, string> = {}
): Promise<TestClient> {
  const client = await connectWs(url, { headers })
  return { ...client, messages: client.texts }
}

/** Status, content type and text body of a `node:http` response, once it has ended. */
export function readAnswer(res: IncomingMessage) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        type: res.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString(),
      })
    )
    res.on('error', reject)
  })
}
