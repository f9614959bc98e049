import { defineConfig } from 'vitest/config'

// One root config: each package and app is a project with its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
  },
})
