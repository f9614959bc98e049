import { defineProject } from 'vitest/config'

export default defineProject({
  // Resolve workspace packages to their TypeScript sources, so tests never run against a stale dist.
  resolve: { conditions: ['@kcs-trade/source'] },
  ssr: { resolve: { conditions: ['@kcs-trade/source'] } },
  test: {
    name: 'db',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
