import { fixturesIn } from '../test-fixtures.ts'

// Test-only: this adapter's recorded fixtures.
export const { fixtureText, fixtureFrames, fixtureJson } = fixturesIn(
  new URL('./__fixtures__/', import.meta.url)
)
export { RECEIVED_AT, testContext } from '../test-fixtures.ts'
