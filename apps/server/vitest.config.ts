import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Real processes on real sockets: starting one takes ~100 ms, a slow CI machine much more.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
