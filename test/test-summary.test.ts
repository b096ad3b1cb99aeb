/**
 * scripts/test.sh's last line, "N passed, N failed, N skipped" (.ci/run and CI read its start), and
 * its exit status: from fabricated vitest reports, through the script and the shell lines test.sh runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'lightbox-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function summary(report: unknown, steps = 0, status = 0): string {
  const file = join(dir, 'report.json');
  writeFileSync(file, typeof report === 'string' ? report : JSON.stringify(report));
  return execFileSync(process.execPath, ['scripts/test-summary.mjs', file, String(steps), String(status)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

/** test.sh's exit status for a summary line: its own `case`, cut out of the script and run. */
function exitFor(line: string): number | null {
  const script = readFileSync('scripts/test.sh', 'utf8');
  const decision = script.slice(script.lastIndexOf('case "$summary" in'));
  return spawnSync('bash', ['-c', `summary=${JSON.stringify(line)}\n${decision}`]).status;
}

it('counts skipped and todo tests, after passed and failed', () => {
  const line = summary({ numPassedTests: 40, numFailedTests: 0, numPendingTests: 3, numTodoTests: 1 });
  expect(line).toBe('40 passed, 0 failed, 4 skipped');
  expect(line).toMatch(/^\d+ passed, \d+ failed/);
  expect(exitFor(line)).toBe(0);
});

it('failed tests, failed steps and a vitest that failed with no failed test all fail the run', () => {
  expect(summary({ numPassedTests: 5, numFailedTests: 2, numPendingTests: 0 })).toBe(
    '5 passed, 2 failed, 0 skipped',
  );
  expect(summary({ numPassedTests: 5, numFailedTests: 0 }, 2)).toBe('5 passed, 2 failed, 0 skipped');
  expect(summary({ numPassedTests: 5, numFailedTests: 0 }, 0, 1)).toBe('5 passed, 1 failed, 0 skipped');
  expect(summary('{not json')).toBe('0 passed, 1 failed, 0 skipped');
  for (const line of [
    '5 passed, 2 failed, 0 skipped',
    '0 passed, 1 failed, 0 skipped',
    '10 passed, 10 failed, 0 skipped',
  ])
    expect(exitFor(line), line).toBe(1);
  expect(exitFor('10 passed, 0 failed, 0 skipped')).toBe(0);
});
