import { defineProject, type TestProjectInlineConfiguration } from 'vitest/config'

type ProjectTestOptions = NonNullable<TestProjectInlineConfiguration['test']>

/**
 * The vitest project every package and app uses (its `vitest.config.ts` calls this with its name and
 * its own settings: timeouts, setup files). Tests run on the TypeScript sources: workspace packages
 * resolve to their `src/` through the `@kcs-trade/source` export condition, so a test never runs
 * against a stale `dist/` and needs no build first.
 */
export function kcsProject(name: string, test: Omit<ProjectTestOptions, 'name'> = {}) {
  return defineProject({
    resolve: { conditions: ['@kcs-trade/source'] },
    ssr: { resolve: { conditions: ['@kcs-trade/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts'],
      ...test,
    },
  })
}
