import { createHash } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import accepts from 'accepts'
import vary from 'vary'

/** Answers smaller than this go uncompressed: the header overhead would eat the gain. */
export const COMPRESS_ABOVE_BYTES = 1_024

/** Market answers may be reused by caches for a second: they change as fast as trades. */
export const MARKET_CACHE_CONTROL = 'public, max-age=1'

/**
 * A JSON answer prepared once and sent many times: the body, its ETag, and its gzip and brotli
 * forms, each made the first time a client asks for it.
 */
export interface Prepared {
  readonly body: Buffer
  readonly etag: string
  gzip(): Buffer
  brotli(): Buffer
}

export function prepare(text: string): Prepared {
  const body = Buffer.from(text)
  let gzipped: Buffer | undefined
  let brotlied: Buffer | undefined
  return {
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    gzip: () => (gzipped ??= gzipSync(body, { level: 6 })),
    // quality 5: most of brotli's gain at a fraction of the default's (11) cost
    brotli: () =>
      (brotlied ??= brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 5 },
      })),
  }
}

// Accept-Encoding values repeat across requests: negotiate each once
const negotiated = new Map<string, string | false>()

function encodingFor(req: IncomingMessage): string | false {
  const header = req.headers['accept-encoding']
  if (header === undefined || header === '') return false
  let encoding = negotiated.get(header)
  if (encoding === undefined) {
    if (negotiated.size > 1_000) negotiated.clear()
    encoding = accepts(req).encodings(['br', 'gzip', 'identity'])
    negotiated.set(header, encoding)
  }
  return encoding
}

/** True when `If-None-Match` names this ETag (or `*`). */
function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match']
  if (header === undefined) return false
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*')
}

/** Header names and values, alternating: what `writeHead` takes without building an object. */
type HeaderList = (string | number)[]

const NO_HEADERS: OutgoingHttpHeaders = Object.freeze({})

// the fixed part of the answers sent with one base header set (one per Origin on the fast path)
const blocks = new WeakMap<OutgoingHttpHeaders, HeaderList>()

function blockOf(
  base: OutgoingHttpHeaders,
  resVary: number | string | string[] | undefined
): HeaderList {
  const cached = base === NO_HEADERS ? undefined : blocks.get(base)
  if (cached !== undefined) return cached
  // appended: CORS may vary on Origin already
  const varies = base.vary ?? resVary
  const block: HeaderList = []
  for (const [name, value] of Object.entries(base)) {
    if (name !== 'vary' && value !== undefined) block.push(name, value as string | number)
  }
  block.push(
    'cache-control',
    MARKET_CACHE_CONTROL,
    'content-type',
    'application/json; charset=utf-8',
    'vary',
    varies === undefined ? 'Accept-Encoding' : vary.append(headerText(varies), 'Accept-Encoding')
  )
  if (base !== NO_HEADERS) blocks.set(base, block)
  return block
}

const headerText = (value: number | string | string[]) =>
  Array.isArray(value) ? value.join(', ') : String(value)

/**
 * Writes a prepared JSON answer on top of the headers already set (CORS, security, limits):
 * 304 when the client holds it, brotli or gzip when the client accepts one and the body is large
 * enough, with a short `Cache-Control` for intermediaries. Returns the status sent.
 */
export function writePrepared(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Prepared,
  /**
   * headers that go with every answer sent this way and are not set on `res` (CORS, security):
   * the same object each time, so its part of the header list is built once
   */
  base: OutgoingHttpHeaders = NO_HEADERS,
  /** headers of this answer alone (the client's limit) */
  own?: Record<string, string>
): number {
  const headers = blockOf(base, base === NO_HEADERS ? res.getHeader('vary') : undefined).slice()
  headers.push('etag', answer.etag)
  if (own !== undefined) for (const name in own) headers.push(name, own[name] as string)
  if (notModified(req, answer.etag)) {
    res.writeHead(304, headers).end()
    return 304
  }
  let body = answer.body
  if (body.length > COMPRESS_ABOVE_BYTES) {
    const encoding = encodingFor(req)
    if (encoding === 'br' || encoding === 'gzip') {
      headers.push('content-encoding', encoding)
      body = encoding === 'br' ? answer.brotli() : answer.gzip()
    }
  }
  headers.push('content-length', body.length)
  res.writeHead(200, headers).end(body)
  return 200
}
