// A bound of the REST benchmark, run in its own process: a bare node:http server answering the
// three benchmarked routes with the gateway's bodies, either
//   memory: from memory (read once from Redis at start-up): what HTTP alone costs, or
//   redis:  from Redis on every request, with the commands the gateway's readers send
//           (@takashi/bus readCandles, readLatest): what HTTP plus the same Redis work costs.
// Usage: rest-baseline.ts memory|redis <port> <redis url>
import { createServer, type ServerResponse } from 'node:http'
import { Redis } from 'ioredis'
import { createKeys } from '@takashi/bus'
import { ROUTES } from './rest-data.ts'

const [mode = 'memory', portText = '0', redisUrl = ''] = process.argv.slice(2)
if (mode !== 'memory' && mode !== 'redis') throw new Error(`unknown mode ${mode}`)

const LIMIT = 100

const keys = createKeys()
const candlesKey = keys.candles('binance', 'BTCUSDT', '1m')
const markerKey = keys.candlesFrom('binance', 'BTCUSDT', '1m')
const oiKey = keys.latest('open-interest', 'binance', 'BTCUSDT')
const fundingKey = keys.latest('funding-rate', 'binance', 'BTCUSDT')
const redis = new Redis(redisUrl)

// readCandles without start_time/end_time: one MULTI of the coverage marker and the `limit`
// newest candles, newest first, reversed and joined; covered when the oldest is not before it
async function readCandles(): Promise<string | null> {
  const [[, fromText], [, members]] = (await redis
    .multi()
    .get(markerKey)
    .call('ZRANGE', candlesKey, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', String(LIMIT))
    .exec()) as [[null, string | null], [null, string[]]]
  const candles = members.reverse()
  const oldest = (JSON.parse(candles[0] ?? '{}') as { timestamp?: number }).timestamp
  const covered =
    fromText !== null && candles.length === LIMIT && (oldest ?? -Infinity) >= Number(fromText)
  return covered ? `[${candles.join(',')}]` : null
}

const readers: Record<string, () => Promise<string | null>> = {
  [ROUTES.ohlc]: readCandles,
  [ROUTES.open_interest]: () => redis.get(oiKey),
  [ROUTES.funding_rate]: () => redis.get(fundingKey),
}

function answer(res: ServerResponse, body: string | Buffer | null): void {
  if (body === null) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

// Bodies kept the way node sends each fastest: a small one as a string (joined to the head in
// one chunk), a large one as bytes (not encoded again per request). The gateway does the same.
const memory = new Map<string, string | Buffer | null>()
if (mode === 'memory') {
  for (const [path, read] of Object.entries(readers)) {
    const body = await read()
    memory.set(path, body !== null && body.length > 1_024 ? Buffer.from(body) : body)
  }
  redis.disconnect()
}

const server = createServer((req, res) => {
  const url = req.url ?? '/'
  if (url === '/readyz') return answer(res, '{"status":"ok"}')
  if (mode === 'memory') return answer(res, memory.get(url) ?? null)
  const read = readers[url]
  if (!read) return answer(res, null)
  read().then(
    (body) => answer(res, body),
    () => res.writeHead(500).end()
  )
})
server.listen(Number(portText), '127.0.0.1')

process.once('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  redis.disconnect()
})
