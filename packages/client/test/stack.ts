import { Registry } from 'prom-client'
import type { Keys, Redis } from '@takashi/bus'
import { binanceEvents, binanceKlineRows, startFakeBinance } from '@takashi/fakes/binance'
import { createGateway, type GatewayOptions } from '@takashi/gateway'
import { createClient, type ClientOptions } from '../src/node.ts'
import {
  adapterOf,
  cleanups,
  closedAfter,
  silent,
  startVenueStack,
} from '../../../test/e2e/helpers.ts'

// The client is tested against the real thing: a fake Binance speaking the exchange's protocol,
// the ingestor, the aggregator's feed consumer and a gateway on real Redis. The gateway can be
// stopped and started again on the same port, as a restarted process would be.

export const MINUTE = 60_000

export interface RestartableGateway {
  url: string
  /** SIGTERM's path: WebSockets closed with 1001, then the server */
  stop(): Promise<void>
  /** a new gateway process on the same port */
  start(): Promise<void>
}

/** A gateway on a free port; `stop` and `start` restart it on that port. */
export async function startRestartableGateway(
  ctx: { redisUrl: string; keys: Keys },
  overrides: Partial<GatewayOptions> = {}
): Promise<RestartableGateway> {
  const options: GatewayOptions = {
    redisUrl: ctx.redisUrl,
    keys: ctx.keys,
    log: silent('gateway'),
    registry: new Registry(),
    exchanges: [adapterOf('binance')],
    symbols: ['BTCUSDT', 'ETHUSDT'],
    intervals: ['1m'],
    fetchTimeoutMs: 5_000,
    requestDrainMs: 200,
    ws: { shutdownGraceMs: 200 },
    ...overrides,
  }
  let running: ReturnType<typeof createGateway> | undefined = createGateway(options)
  const port = await running.listen(0)
  cleanups.push(() => running?.stop())
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const stopping = running
      running = undefined
      await stopping?.stop()
    },
    async start() {
      const gateway = createGateway({ ...options, registry: new Registry() })
      await gateway.listen(port)
      running = gateway
    },
  }
}

/**
 * Fake Binance → ingestor → aggregator → Redis, and a restartable gateway; the venue holds 30
 * closed candles, an open interest and a premium index for BTCUSDT.
 */
export async function startStack(
  ctx: { redis: Redis; redisUrl: string; keys: Keys },
  overrides: Partial<GatewayOptions> = {}
) {
  const venue = closedAfter(await startFakeBinance())
  const lastOpen = Date.now() - (Date.now() % MINUTE)
  venue.rest.setKlines('BTCUSDT', '1m', binanceKlineRows(lastOpen - MINUTE, 30))
  venue.rest.setOpenInterest('BTCUSDT', { openInterest: '80000.250', time: lastOpen })
  venue.rest.setPremiumIndex('BTCUSDT', {
    markPrice: '64010.50',
    lastFundingRate: '0.00010000',
    nextFundingTime: lastOpen + 8 * 3_600_000,
    time: lastOpen,
  })
  await startVenueStack({
    ...ctx,
    adapter: adapterOf('binance'),
    urls: { ws: venue.wsUrl, rest: venue.restUrl },
    symbols: ['BTCUSDT'],
    timing: { pollEveryMs: 200, heartbeatMs: 100 },
    replicas: 0,
  })
  const gateway = await startRestartableGateway(ctx, overrides)
  let nextTrade = 1_000
  return {
    venue,
    gateway,
    lastOpen,
    /** a client of the gateway with quick reconnects; its streams are closed after the test */
    client(options: ClientOptions = {}) {
      const client = createClient({
        baseUrl: gateway.url,
        reconnect: { minDelayMs: 50, maxDelayMs: 400 },
        ...options,
      })
      const stream = client.stream.bind(client)
      return Object.assign(client, {
        stream: (...args: Parameters<typeof stream>) => {
          const opened = stream(...args)
          cleanups.push(() => opened.close())
          return opened
        },
      })
    },
    /** a liquidation of `qty` BTC at 64,000 on the venue (SELL: a long was liquidated) */
    liquidate(qty: number) {
      venue.emit(
        'btcusdt@forceOrder',
        binanceEvents.forceOrder({
          symbol: 'BTCUSDT',
          side: 'SELL',
          price: '64000',
          qty: String(qty),
          time: Date.now(),
        })
      )
    },
    /** an aggregate trade of `qty` BTC at 64,000 */
    trade(qty: number) {
      const id = ++nextTrade
      venue.emit(
        'btcusdt@aggTrade',
        binanceEvents.aggTrade({
          symbol: 'BTCUSDT',
          price: '64000',
          qty: String(qty),
          buyerIsMaker: false,
          id,
          time: Date.now(),
        })
      )
      return id
    },
  }
}
