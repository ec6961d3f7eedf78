import type { ApiError } from '../errors.ts'

// Server → client messages of the multiplexed /ws protocol (docs/asyncapi.yaml). A record is
// wrapped by concatenation around its JSON bytes, never parsed and re-stringified.

const DATA_SUFFIX = Buffer.from('}')

/** `{"type":"data","id":<id>,"data":<record>}` around the record's JSON bytes. */
export function dataEnvelope(id: string, record: Buffer): Buffer {
  const prefix = Buffer.from(`{"type":"data","id":${JSON.stringify(id)},"data":`)
  return Buffer.concat([prefix, record, DATA_SUFFIX])
}

/** `{"type":"subscribed"|"unsubscribed","id":<id>}` */
export function ackMessage(type: 'subscribed' | 'unsubscribed', id: string): string {
  return JSON.stringify({ type, id })
}

/** `{"type":"error","id":<id or null>,"error":{"code","message"}}`: the answer to one request. */
export function errorMessage(id: string | null, error: ApiError): string {
  return JSON.stringify({ type: 'error', id, error: { code: error.code, message: error.message } })
}
