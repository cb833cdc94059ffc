import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['palisade-source'] },
  ssr: { resolve: { conditions: ['palisade-source'], externalConditions: ['palisade-source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'e2e/src/**/*.test.ts', 'charts/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.itest.ts', 'e2e/src/**/*.itest.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
