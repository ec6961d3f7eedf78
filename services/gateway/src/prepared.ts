import { createHash } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import accepts from 'accepts'
import vary from 'vary'
import { rateLimitField, rateLimitPolicy, type Take } from './access/shared-counter.ts'

/** Answers smaller than this go uncompressed: the header overhead would eat the gain. */
export const COMPRESS_ABOVE_BYTES = 1_024

/** Market answers may be reused by caches for a second: they change as fast as trades. */
export const MARKET_CACHE_CONTROL = 'public, max-age=1'

/**
 * A JSON answer prepared once and sent many times: the body, its length in bytes, its ETag, and
 * its gzip and brotli forms, each made the first time a client asks for it.
 */
export interface Prepared {
  /**
   * the body as it is written: a small one as a string, which node joins to the head in one
   * chunk; a larger one as bytes, written beside the head without being encoded or copied again
   */
  readonly payload: string | Buffer
  readonly bytes: number
  readonly etag: string
  gzip(): Buffer
  brotli(): Buffer
}

export function prepare(text: string): Prepared {
  const bytes = Buffer.byteLength(text)
  const payload = bytes > COMPRESS_ABOVE_BYTES ? Buffer.from(text) : text
  let gzipped: Buffer | undefined
  let brotlied: Buffer | undefined
  return {
    payload,
    bytes,
    etag: `"${createHash('sha1').update(payload).digest('base64url')}"`,
    gzip: () => (gzipped ??= gzipSync(payload, { level: 6 })),
    // quality 5: most of brotli's gain at a fraction of the default's (11) cost
    brotli: () =>
      (brotlied ??= brotliCompressSync(payload, {
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

/** The fixed part of the answers sent with one set of base headers. */
interface Block {
  headers: HeaderList
  /** Vary of an answer that could not be compressed (CORS may vary on Origin) */
  vary: string | undefined
  /** Vary of an answer large enough to be compressed */
  varyCompressible: string
}

// one block per base header set (one per Origin on the fast path)
const blocks = new WeakMap<OutgoingHttpHeaders, Block>()

function blockOf(
  base: OutgoingHttpHeaders,
  resVary: number | string | string[] | undefined
): Block {
  const cached = base === NO_HEADERS ? undefined : blocks.get(base)
  if (cached !== undefined) return cached
  const varies = base.vary ?? resVary
  const headers: HeaderList = []
  for (const [name, value] of Object.entries(base)) {
    if (name !== 'vary' && value !== undefined) headers.push(name, value as string | number)
  }
  headers.push(
    'cache-control',
    MARKET_CACHE_CONTROL,
    'content-type',
    'application/json; charset=utf-8'
  )
  const text = varies === undefined ? undefined : headerText(varies)
  const block: Block = {
    headers,
    vary: text,
    varyCompressible: text === undefined ? 'Accept-Encoding' : vary.append(text, 'Accept-Encoding'),
  }
  if (base !== NO_HEADERS) blocks.set(base, block)
  return block
}

const headerText = (value: number | string | string[]) =>
  Array.isArray(value) ? value.join(', ') : String(value)

/**
 * Writes a prepared JSON answer on top of the headers already set (CORS, security, limits):
 * 304 when the client holds it, brotli or gzip when the client accepts one and the body is large
 * enough, with a short `Cache-Control` for intermediaries. Only an answer large enough to be
 * compressed varies on `Accept-Encoding`: a smaller one is the same for every client. Returns
 * the status sent.
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
  /** the client's take of its limit, when the limit headers are not set on `res` */
  take?: Take
): number {
  const block = blockOf(base, base === NO_HEADERS ? res.getHeader('vary') : undefined)
  const headers = block.headers.slice()
  headers.push('etag', answer.etag)
  if (take !== undefined) {
    headers.push('ratelimit', rateLimitField(take), 'ratelimit-policy', rateLimitPolicy(take.limit))
  }
  const compressible = answer.bytes > COMPRESS_ABOVE_BYTES
  const varies = compressible ? block.varyCompressible : block.vary
  if (varies !== undefined) headers.push('vary', varies)
  if (notModified(req, answer.etag)) {
    res.writeHead(304, headers).end()
    return 304
  }
  const encoding = compressible ? encodingFor(req) : false
  if (encoding === 'br' || encoding === 'gzip') {
    const body = encoding === 'br' ? answer.brotli() : answer.gzip()
    headers.push('content-encoding', encoding, 'content-length', body.length)
    res.writeHead(200, headers).end(body)
  } else {
    headers.push('content-length', answer.bytes)
    res.writeHead(200, headers).end(answer.payload)
  }
  return 200
}
