import { defineConfig } from 'vitest/config';

/**
 * Files that measure time or survive kill points inside a time box: they run last, one at a time,
 * with nothing else on the machine's cores. Everything else runs two files at a time (most of the
 * suite waits on DCMTK, Chromium and sockets, so two overlap well on 2 cores).
 */
const ALONE = [
  'test/store/crash.test.ts',
  'test/store/crash-retention.test.ts',
  'test/net/loop-lag.test.ts',
  'test/net/print-soak.test.ts',
  'test/net/hostile-load.test.ts',
];

export default defineConfig({
  test: {
    // Interop tests spawn DCMTK and open real sockets: give them room, but keep every test bounded.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test/artifacts/vitest-report.json' },
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
