// The last line of scripts/test.sh: "N passed, N failed, N skipped", from vitest's JSON report, the
// count of failed steps before the tests (audit, lint, typecheck) and vitest's exit status.
// Usage: node scripts/test-summary.mjs REPORT STEP_FAILURES VITEST_STATUS
import { readFileSync } from 'node:fs';

const [file, steps, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed = Number(r.numPassedTests) || 0;
  failed = Number(r.numFailedTests) || 0;
  // vitest reports skipped tests as pending, it.todo ones as todo.
  skipped = (Number(r.numPendingTests) || 0) + (Number(r.numTodoTests) || 0);
} catch (e) {
  console.error(`test.sh: unreadable vitest report: ${e.message}`);
  failed = 1;
}
// vitest failed without a failed test (a file that does not load, a hook, an unhandled error).
if (Number(status) !== 0 && failed === 0) failed = 1;
failed += Number(steps) || 0;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
