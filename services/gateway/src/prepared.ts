import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Request, Response } from 'express'

/** Answers smaller than this go uncompressed: the header overhead would eat the gain. */
export const COMPRESS_ABOVE_BYTES = 1_024

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

/** True when `If-None-Match` names this ETag (or `*`). */
function notModified(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match']
  if (header === undefined) return false
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*')
}

/**
 * Sends a prepared JSON answer: 304 when the client holds it, brotli or gzip when the client
 * accepts one and the body is large enough, with a short `Cache-Control` for intermediaries.
 */
export function sendPrepared(
  req: Request,
  res: Response,
  answer: Prepared,
  cacheControl = 'public, max-age=1'
): void {
  res.set({
    ETag: answer.etag,
    'Cache-Control': cacheControl,
    'Content-Type': 'application/json; charset=utf-8',
    Vary: 'Accept-Encoding',
  })
  if (notModified(req, answer.etag)) {
    res.status(304).end()
    return
  }
  if (answer.body.length > COMPRESS_ABOVE_BYTES) {
    const encoding = req.acceptsEncodings('br', 'gzip', 'identity')
    if (encoding === 'br' || encoding === 'gzip') {
      res.set('Content-Encoding', encoding)
      res.end(encoding === 'br' ? answer.brotli() : answer.gzip())
      return
    }
  }
  res.end(answer.body)
}
