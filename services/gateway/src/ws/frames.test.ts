import { describe, expect, test } from 'vitest'
import * as ws from 'ws'
import { frameText } from './frames.ts'

// ws's own framing of an unmasked text message, as the reference.
function wsFrame(payload: Buffer): Buffer {
  // ws exports Sender at run time; its types do not declare it.
  const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }
  const options = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }
  const parts = Sender.frame(payload, options)
  return Buffer.concat(parts)
}

describe('frameText', () => {
  test.each([0, 1, 125, 126, 300, 65_535, 65_536, 200_000])(
    'a %i-byte payload is framed exactly as ws frames it',
    (length) => {
      const payload = Buffer.alloc(length, 'a')
      expect(frameText(payload).equals(wsFrame(payload))).toBe(true)
    }
  )
})
