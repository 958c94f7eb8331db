import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Real processes on real sockets: a slow CI machine takes far longer than vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
