/**
 * True when a live message held while the initial value was read is already reflected in that
 * value (the same record, or one the ingestor received earlier), so the client never sees a
 * value go back in time right after connecting.
 */
export function isSuperseded(live: Buffer, initial: string): boolean {
  const text = live.toString()
  if (text === initial) return true
  const liveAt = receivedAt(text)
  const initialAt = receivedAt(initial)
  return liveAt !== undefined && initialAt !== undefined && liveAt < initialAt
}

function receivedAt(json: string): number | undefined {
  try {
    const value = (JSON.parse(json) as { received_at?: unknown }).received_at
    return typeof value === 'number' ? value : undefined
  } catch {
    return undefined
  }
}
