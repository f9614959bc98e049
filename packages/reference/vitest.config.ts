import { defineProject } from 'vitest/config'

export default defineProject({
  // Resolve workspace packages to their TypeScript sources, so tests never run against a stale dist.
  resolve: { conditions: ['@kcs-trade/source'] },
  ssr: { resolve: { conditions: ['@kcs-trade/source'] } },
  test: {
    name: 'reference',
    include: ['src/**/*.test.ts'],
    // Whole-table checks (every code round-tripped, every HSK line compared with the source) take
    // seconds on a loaded 2-core machine.
    testTimeout: 60_000,
  },
})
