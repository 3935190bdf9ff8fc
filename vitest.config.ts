import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Differential tests spawn samtools/bcftools and the built CLI; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The summary reporter prints one closing "N passed, N failed, N skipped" line for CI logs.
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
