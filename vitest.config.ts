import { defineConfig } from 'vitest/config';

// Unit tests run in Node; a test file that needs a DOM says so itself with
// `// @vitest-environment happy-dom`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    environment: 'node',
    // the property tests are CPU-bound (fast-check's 500-1,000 runs): ~1 s each here, but
    // five times that and more on a loaded 2-core CI machine (one timed out at vitest's
    // default 5 s); a test that waits for something that never comes still fails
    testTimeout: 60_000,
  },
});
