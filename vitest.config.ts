import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{packages,services}/*/{src,test}/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.live.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    expect: {
      // every test must assert something
      requireAssertions: true,
      // waits are on conditions; a loaded machine may take seconds to meet one
      poll: { timeout: 10_000 },
    },
    reporters: ['default'],
  },
})
