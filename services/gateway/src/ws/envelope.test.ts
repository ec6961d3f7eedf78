import { expect, test } from 'vitest'
import { ApiError } from '../errors.ts'
import { ackMessage, dataEnvelope, errorMessage } from './envelope.ts'

test('the data envelope wraps the record bytes as they are and escapes the id', () => {
  const record = Buffer.from('{"id":"1-0","value_usd":1.50}')
  const text = dataEnvelope('a"b\\c', record).toString()
  expect(text).toBe('{"type":"data","id":"a\\"b\\\\c","data":{"id":"1-0","value_usd":1.50}}')
  expect(JSON.parse(text)).toEqual({
    type: 'data',
    id: 'a"b\\c',
    data: { id: '1-0', value_usd: 1.5 },
  })
})

test('acks and errors name the request id (null when unknown)', () => {
  expect(ackMessage('subscribed', 's1')).toBe('{"type":"subscribed","id":"s1"}')
  expect(JSON.parse(errorMessage(null, new ApiError(400, 'bad_request', 'request: x')))).toEqual({
    type: 'error',
    id: null,
    error: { code: 'bad_request', message: 'request: x' },
  })
})
