import { adapters, createMarket, type FrameParser, type ParseContext } from '@takashi/exchanges'

export interface ParseResult {
  name: string
  frames_per_s: number
}

// one parser per exchange, as one connection: Bybit deltas merge onto the snapshot it saw
const parsers = new Map<string, FrameParser>()

function parserFor(exchange: string): FrameParser {
  let parser = parsers.get(exchange)
  if (parser === undefined) {
    const adapter = adapters[exchange as 'binance']
    if (!adapter) throw new Error(`no adapter for ${exchange}`)
    parser = adapter.createParser()
    parsers.set(exchange, parser)
  }
  return parser
}

function measure(name: string, frames: string[], ctx: ParseContext, seconds = 1.5): ParseResult {
  const parser = parserFor(name.split(' ')[0] ?? '')
  let count = 0
  const deadline = performance.now() + seconds * 1000
  while (performance.now() < deadline) {
    for (const frame of frames) parser.parse(frame, ctx)
    count += frames.length
  }
  return { name, frames_per_s: Math.round(count / seconds) }
}

/** Pure parse throughput of recorded-shape frames, one core. */
export function benchParse(): ParseResult[] {
  const market = createMarket()
  const ctx: ParseContext = { receivedAt: Date.now(), symbols: new Set(['BTCUSDT']), market }
  const aggTrade = JSON.stringify({
    stream: 'btcusdt@aggTrade',
    data: {
      e: 'aggTrade',
      E: 1,
      a: 5,
      s: 'BTCUSDT',
      p: '64000.10',
      q: '0.250',
      f: 1,
      l: 2,
      T: 1,
      m: true,
    },
  })
  const kline = JSON.stringify({
    stream: 'btcusdt@kline_1m',
    data: {
      e: 'kline',
      E: 1,
      s: 'BTCUSDT',
      k: {
        t: 0,
        T: 59_999,
        s: 'BTCUSDT',
        i: '1m',
        f: 1,
        L: 2,
        o: '1',
        c: '2',
        h: '3',
        l: '0.5',
        v: '10',
        n: 5,
        x: false,
        q: '20',
        V: '4',
        Q: '8',
        B: '0',
      },
    },
  })
  const hlTrades = JSON.stringify({
    channel: 'trades',
    data: [{ coin: 'BTC', side: 'B', px: '64000.1', sz: '0.25', hash: '0x0', time: 1, tid: 7 }],
  })
  const bybitTrade = JSON.stringify({
    topic: 'publicTrade.BTCUSDT',
    type: 'snapshot',
    ts: 1,
    data: [
      {
        T: 1,
        s: 'BTCUSDT',
        S: 'Buy',
        v: '0.25',
        p: '64000.10',
        L: 'PlusTick',
        i: 'a-1',
        BT: false,
      },
    ],
  })
  const tickerFields = { symbol: 'BTCUSDT', markPrice: '64000.5', openInterest: '52774.528' }
  const bybitSnapshot = JSON.stringify({
    topic: 'tickers.BTCUSDT',
    type: 'snapshot',
    ts: 1,
    data: { ...tickerFields, fundingRate: '0.0001', nextFundingTime: '1680681600000' },
  })
  // deltas 100 ms apart carry only what changed; they merge onto the snapshot
  const bybitDelta = JSON.stringify({
    topic: 'tickers.BTCUSDT',
    type: 'delta',
    ts: 2,
    data: { ...tickerFields, bid1Price: '64000.4', ask1Price: '64000.6' },
  })
  parserFor('bybit').parse(bybitSnapshot, ctx)
  const okxTrades = JSON.stringify({
    arg: { channel: 'trades', instId: 'BTC-USDT-SWAP' },
    data: [{ instId: 'BTC-USDT-SWAP', tradeId: '1', px: '64000.1', sz: '5', side: 'buy', ts: '1' }],
  })
  market.learn({ contractSize: { BTCUSDT: 0.01 } })
  return [
    measure('binance aggTrade', [aggTrade], ctx),
    measure('bybit publicTrade', [bybitTrade], ctx),
    measure('bybit tickers delta', [bybitDelta], ctx),
    measure('okx trades', [okxTrades], ctx),
    measure('binance kline', [kline], ctx),
    measure('hyperliquid trades', [hlTrades], ctx),
  ]
}
