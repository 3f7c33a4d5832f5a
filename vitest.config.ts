import { defineConfig } from 'vitest/config';

// Unit tests run in Node; a test file that needs a DOM says so itself with
// `// @vitest-environment happy-dom`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
