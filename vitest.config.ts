import { defineConfig } from 'vitest/config';

// Two projects: `unit` is the pure domain (fast, no I/O); `integration` talks to a real database
// (PGlite, or PostgreSQL when DATABASE_URL is set), real HTTP servers and child processes.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['functions/**/*.test.ts', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'edge/**/*.test.ts', 'web/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
    ],
  },
});
