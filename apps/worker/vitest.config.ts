import { defineProject } from 'vitest/config'

export default defineProject({
  // Resolve workspace packages to their TypeScript sources, so tests never run against a stale dist.
  resolve: { conditions: ['@kcs-trade/source'] },
  ssr: { resolve: { conditions: ['@kcs-trade/source'] } },
  test: {
    name: 'worker',
    include: ['src/**/*.test.ts'],
    // Integration tests talk to Redis, PostgreSQL and an emulator over real sockets.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
})
