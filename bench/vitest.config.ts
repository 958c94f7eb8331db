import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The smoke run starts real servers and clients as processes: a busy machine needs headroom.
    testTimeout: 180_000,
  },
});
