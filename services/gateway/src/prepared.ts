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

/**
 * Writes a prepared JSON answer on top of the headers already set (CORS, security, limits):
 * 304 when the client holds it, brotli or gzip when the client accepts one and the body is large
 * enough, with a short `Cache-Control` for intermediaries. Returns the status sent.
 */
export function writePrepared(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Prepared,
  /** headers that go with it (CORS, security, limits) when not set on `res` already */
  base: OutgoingHttpHeaders = {}
): number {
  const headers: OutgoingHttpHeaders = {
    ...base,
    etag: answer.etag,
    'cache-control': MARKET_CACHE_CONTROL,
    'content-type': 'application/json; charset=utf-8',
  }
  // appended: CORS may vary on Origin already
  const varies = base.vary ?? res.getHeader('vary')
  headers.vary =
    varies === undefined ? 'Accept-Encoding' : vary.append(String(varies), 'Accept-Encoding')
  if (notModified(req, answer.etag)) {
    res.writeHead(304, headers).end()
    return 304
  }
  let body = answer.body
  if (body.length > COMPRESS_ABOVE_BYTES) {
    const encoding = encodingFor(req)
    if (encoding === 'br' || encoding === 'gzip') {
      headers['content-encoding'] = encoding
      body = encoding === 'br' ? answer.brotli() : answer.gzip()
    }
  }
  headers['content-length'] = body.length
  res.writeHead(200, headers).end(body)
  return 200
}
