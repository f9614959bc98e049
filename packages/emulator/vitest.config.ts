import { defineProject } from 'vitest/config'

export default defineProject({
  // Resolve workspace packages to their TypeScript sources, so tests never run against a stale dist.
  resolve: { conditions: ['@kcs-trade/source'] },
  ssr: { resolve: { conditions: ['@kcs-trade/source'] } },
  test: {
    name: 'emulator',
    include: ['src/**/*.test.ts'],
    // Whole-year answers over a socket take a second or two on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
