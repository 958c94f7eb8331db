import { defineConfig } from 'vitest/config';

// Tests assert behaviour (counts, order, codes), never speed: a busy machine may take its time,
// so the limits here only catch a test that hangs.
export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
