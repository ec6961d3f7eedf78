import { Registry } from 'prom-client'
import { WebSocket } from 'ws'
import type { Keys } from '@takashi/bus'
import { adapters } from '@takashi/exchanges'
import { createLogger } from '@takashi/observability'
import type { FundingRate, LargeTrade, Ohlc, OpenInterest } from '@takashi/schemas'
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

export { metricValue } from '@takashi/testing'

const base = { exchange: 'binance' as const, symbol: 'BTCUSDT', received_at: 1_700_000_000_500 }

export function candle(timestamp: number, overrides: Partial<Ohlc> = {}): Ohlc {
  return {
    ...base,
    timestamp,
    interval: '1m',
    open: 100,
    high: 110,
    low: 90,
    close: 105,
    volume: 12.5,
    quote_volume: 1312.5,
    trades: 42,
    closed: true,
    ...overrides,
  }
}

export function openInterest(overrides: Partial<OpenInterest> = {}): OpenInterest {
  return {
    ...base,
    timestamp: 1_700_000_000_000,
    open_interest: 80_000,
    open_interest_usd: 8e9,
    ...overrides,
  }
}

export function fundingRate(overrides: Partial<FundingRate> = {}): FundingRate {
  return {
    ...base,
    timestamp: 1_700_000_000_000,
    funding_rate: 0.0001,
    interval_hours: 8,
    next_funding_time: 1_700_028_800_000,
    mark_price: 100_000,
    ...overrides,
  }
}

export function trade(overrides: Partial<LargeTrade> = {}): LargeTrade {
  return {
    ...base,
    id: 'binance:BTCUSDT:1',
    timestamp: 1_700_000_000_000,
    side: 'buy',
    price: 100_000,
    quantity: 0.5,
    value_usd: 50_000,
    trade_id: '1',
    ...overrides,
  }
}

/** A connected client that records every text message it receives. */
export interface TestClient {
  ws: WebSocket
  messages: string[]
  closed: Promise<{ code: number; reason: string }>
}

export function connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    const messages: string[] = []
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      ws.on('close', (code, reason) => done({ code, reason: reason.toString() }))
    })
    ws.on('message', (data: Buffer) => messages.push(data.toString()))
    ws.once('open', () => resolve({ ws, messages, closed }))
    ws.once('error', reject)
  })
}

/** The HTTP answer to an upgrade the gateway refuses. */
export function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: unknown; retryAfter?: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => {
      ws.close()
      reject(new Error(`upgrade to ${url} was accepted`))
    })
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => {
        // retryAfter is undefined unless the refusal carries one (toEqual ignores undefined)
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(text) as unknown,
          retryAfter: res.headers['retry-after'],
        })
        ws.terminate()
      })
    })
    ws.once('error', () => {})
  })
}
