import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real servers, processes and databases: give them time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // Test files run in parallel, each in its own process, two at a time: the CI machine
    // has two cores and every integration test file runs servers of its own.
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
    // Collecting no tests is a broken include pattern or filter, never a pass.
    passWithNoTests: false,
  },
});
