// Lint rules: typescript-eslint's recommended set, plus the house rules (no `any`, no silenced checker).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'web/dist/', '.data/', '.wrangler/', 'db/migrations/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-nocheck': true, 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // core/ is the pure domain: no process, no Node built-ins, no I/O.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'hono', 'hono/*', 'drizzle-orm', 'drizzle-orm/*', 'postgres', '@electric-sql/*', '@upstash/*', '@aws-sdk/*'] }],
      'no-restricted-globals': ['error', 'process', 'fetch'],
    },
  },
);
