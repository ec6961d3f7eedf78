// Child process of the fan-out benchmark: C WebSocket clients and one publisher, so the gateway's
// process is measured on its own. Prints one JSON line with the figures.
import WebSocket from 'ws'
import { Redis } from 'ioredis'

const [
  url = '',
  redisUrl = '',
  channel = '',
  clientsText = '100',
  rateText = '1000',
  secondsText = '5',
] = process.argv.slice(2)
const clients = Number(clientsText)
const rate = Number(rateText)
const seconds = Number(secondsText)

const latencies: number[] = []
let delivered = 0
let slowCloses = 0
const sockets: WebSocket[] = []
await Promise.all(
  Array.from({ length: clients }, () => {
    const ws = new WebSocket(url)
    sockets.push(ws)
    ws.on('message', (data: Buffer) => {
      delivered++
      // sample one delivery in 20 to keep the client side cheap
      if (delivered % 20 === 0) {
        const sentAt = Number(/"timestamp":(\d+)/.exec(data.toString())?.[1])
        latencies.push(Date.now() - sentAt)
      }
    })
    ws.on('close', (code) => {
      if (code === 1013) slowCloses++
    })
    return new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
  })
)

const publisher = new Redis(redisUrl)
for (let i = 0; i < 100; i++) {
  const [, count] = (await publisher.pubsub('NUMSUB', channel)) as [string, number]
  if (count > 0) break
  await new Promise((resolve) => setTimeout(resolve, 50))
}

const body = (n: number) =>
  `{"exchange":"binance","symbol":"BTCUSDT","timestamp":${Date.now()},"received_at":${Date.now()},"id":"binance:BTCUSDT:${n}","side":"buy","price":64000.1,"quantity":0.25,"value_usd":16000.025,"trade_id":"${n}"}`
let published = 0
const tickMs = 10
const startedAt = Date.now()
const end = startedAt + seconds * 1000
// pace by elapsed time so timer drift does not lower the rate
while (Date.now() < end) {
  const due = Math.floor(((Date.now() - startedAt) / 1000) * rate)
  const pipeline = publisher.pipeline()
  while (published < due) pipeline.publish(channel, body(published++))
  await pipeline.exec()
  await new Promise((resolve) => setTimeout(resolve, tickMs))
}
await new Promise((resolve) => setTimeout(resolve, 1000))

latencies.sort((a, b) => a - b)
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? null
process.stdout.write(
  `${JSON.stringify({
    clients,
    rate,
    seconds,
    published,
    delivered,
    expected: published * clients,
    deliveries_per_s: Math.round(delivered / seconds),
    latency_p50_ms: pct(0.5),
    latency_p99_ms: pct(0.99),
    slow_closes: slowCloses,
  })}\n`
)
for (const ws of sockets) ws.terminate()
publisher.disconnect()
