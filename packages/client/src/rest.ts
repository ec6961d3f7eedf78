import { parseRetryAfter, TakashiConnectionError, TakashiError } from './errors.ts'
import type {
  CallOptions,
  ExchangeInfo,
  FundingRate,
  Health,
  LargeTrade,
  Liquidation,
  MarketParams,
  MultiFundingRate,
  MultiOhlc,
  MultiOhlcParams,
  MultiOpenInterest,
  MultiParams,
  Ohlc,
  OhlcParams,
  OiSpikeParams,
  OISpike,
  OpenInterest,
  ProbeAnswer,
  RootInfo,
  ValueFeedParams,
} from './types.ts'

/**
 * Every REST route the client calls, by its OpenAPI `operationId`, in the document's path form
 * (`{name}` is a path parameter). A test checks this table against the gateway's `/openapi.json`.
 */
export const REST_PATHS = {
  root: '/',
  health: '/health',
  livez: '/livez',
  readyz: '/readyz',
  exchanges: '/exchanges',
  ohlc: '/{exchange}/ohlc/{symbol}/{interval}',
  openInterest: '/{exchange}/open-interest/{symbol}',
  fundingRate: '/{exchange}/funding-rate/{symbol}',
  multiOhlc: '/multi/ohlc/{symbol}/{interval}',
  multiOpenInterest: '/multi/open-interest/{symbol}',
  multiFundingRate: '/multi/funding-rate/{symbol}',
  liquidations: '/liquidations',
  largeTrades: '/large-trades',
  oiSpikes: '/oi-spikes',
  metrics: '/metrics',
  openApi: '/openapi.json',
} as const

export type Operation = keyof typeof REST_PATHS

type Params = Record<string, string | number | readonly string[] | undefined>

/** A route's path with its parameters filled in; the rest of `params` is the query string. */
export function requestTarget(path: string, params: Params = {}): string {
  const query = new URLSearchParams()
  const used = new Set<string>()
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    used.add(name)
    const value = params[name]
    if (value === undefined || value === '') throw new TypeError(`${name}: required`)
    return encodeURIComponent(String(value))
  })
  for (const [name, value] of Object.entries(params)) {
    if (used.has(name) || value === undefined) continue
    query.set(name, typeof value === 'object' ? value.join(',') : String(value))
  }
  const search = query.toString()
  return search === '' ? filled : `${filled}?${search}`
}

export interface RestOptions {
  /** the gateway, e.g. `http://localhost:8080` (a path prefix is kept) */
  baseUrl: string
  /** sent as `X-API-Key` */
  apiKey?: string
  /** default: the global fetch */
  fetch?: typeof fetch
}

/** The REST half of the client: one typed method per route of spec/API.md §4. */
export function createRestClient(options: RestOptions) {
  const base = options.baseUrl.replace(/\/+$/, '')
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey

  async function send(operation: Operation, params: Params, call: CallOptions): Promise<Response> {
    const url = base + requestTarget(REST_PATHS[operation], params)
    try {
      return await fetchImpl(url, { headers, signal: call.signal })
    } catch (err) {
      // an abort is the caller's own doing: it rejects with the signal's reason, unwrapped
      if (call.signal?.aborted) throw call.signal.reason
      throw new TakashiConnectionError(`GET ${url} failed`, { cause: err })
    }
  }

  async function get<T>(
    operation: Operation,
    params: Params = {},
    call: CallOptions = {},
    // statuses whose body is an answer, not an error (/health says `down` with 503)
    answers: readonly number[] = []
  ): Promise<T> {
    const res = await send(operation, params, call)
    if (res.ok || answers.includes(res.status)) return (await res.json()) as T
    throw await errorOf(res)
  }

  return {
    /** `GET /`: name, version, served exchanges */
    root: (call?: CallOptions) => get<RootInfo>('root', {}, call),
    /** `GET /health`: the backbone and each exchange feed; resolves for `down` (503) too */
    health: (call?: CallOptions) => get<Health>('health', {}, call, [503]),
    /** `GET /livez`: the process answers */
    livez: (call?: CallOptions) => get<ProbeAnswer>('livez', {}, call),
    /** `GET /readyz`: the replica can serve; resolves for `not_ready`/`stopping` (503) too */
    readyz: (call?: CallOptions) => get<ProbeAnswer>('readyz', {}, call, [503]),
    /** `GET /exchanges`: served exchanges with status and capabilities */
    exchanges: (call?: CallOptions) => get<ExchangeInfo[]>('exchanges', {}, call),
    /** `GET /{exchange}/ohlc/{symbol}/{interval}`: candles, oldest first */
    ohlc: (params: OhlcParams, call?: CallOptions) => get<Ohlc[]>('ohlc', { ...params }, call),
    /** `GET /{exchange}/open-interest/{symbol}` */
    openInterest: (params: MarketParams, call?: CallOptions) =>
      get<OpenInterest>('openInterest', { ...params }, call),
    /** `GET /{exchange}/funding-rate/{symbol}` */
    fundingRate: (params: MarketParams, call?: CallOptions) =>
      get<FundingRate>('fundingRate', { ...params }, call),
    /** `GET /multi/ohlc/{symbol}/{interval}`: candles per exchange; failures in `errors` */
    multiOhlc: (params: MultiOhlcParams, call?: CallOptions) =>
      get<MultiOhlc>('multiOhlc', { ...params }, call),
    /** `GET /multi/open-interest/{symbol}`: per exchange and the USD total */
    multiOpenInterest: (params: MultiParams, call?: CallOptions) =>
      get<MultiOpenInterest>('multiOpenInterest', { ...params }, call),
    /** `GET /multi/funding-rate/{symbol}` */
    multiFundingRate: (params: MultiParams, call?: CallOptions) =>
      get<MultiFundingRate>('multiFundingRate', { ...params }, call),
    /** `GET /liquidations`: recent liquidations, newest first */
    liquidations: (params: ValueFeedParams = {}, call?: CallOptions) =>
      get<Liquidation[]>('liquidations', { ...params }, call),
    /** `GET /large-trades`: recent large trades, newest first */
    largeTrades: (params: ValueFeedParams = {}, call?: CallOptions) =>
      get<LargeTrade[]>('largeTrades', { ...params }, call),
    /** `GET /oi-spikes`: recent open-interest and volume spikes, newest first */
    oiSpikes: (params: OiSpikeParams = {}, call?: CallOptions) =>
      get<OISpike[]>('oiSpikes', { ...params }, call),
    /** `GET /metrics`: Prometheus text */
    async metrics(call: CallOptions = {}): Promise<string> {
      const res = await send('metrics', {}, call)
      if (!res.ok) throw await errorOf(res)
      return res.text()
    },
    /** `GET /openapi.json`: the OpenAPI 3.1 document */
    openApi: (call?: CallOptions) => get<Record<string, unknown>>('openApi', {}, call),
  }
}

export type RestClient = ReturnType<typeof createRestClient>

/** A failed answer as a TakashiError with the body's code and message when it has them. */
async function errorOf(res: Response): Promise<TakashiError> {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'))
  const text = await res.text().catch(() => '')
  let code = `http_${res.status}`
  let message = text.slice(0, 200) || res.statusText || `HTTP ${res.status}`
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    if (typeof error?.code === 'string') code = error.code
    if (typeof error?.message === 'string') message = error.message
  } catch {
    // not the contract's error body (a proxy's page): status and text are all there is
  }
  return new TakashiError(res.status, code, message, { retryAfter })
}
