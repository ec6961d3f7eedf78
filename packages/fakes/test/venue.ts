import { afterEach } from 'vitest'
import { closeWsClients } from '@takashi/testing'

/**
 * `startVenue` for one test at a time: after each test its WebSocket clients are closed, then
 * the venue it started.
 */
export function venuePerTest<Options, Venue extends { close(): Promise<void> }>(
  startVenue: (options?: Options) => Promise<Venue>
): (options?: Options) => Promise<Venue> {
  let venue: Venue | undefined
  afterEach(async () => {
    closeWsClients()
    await venue?.close()
    venue = undefined
  })
  return async (options) => {
    venue = await startVenue(options)
    return venue
  }
}
