// Prints the totals of one or more vitest JSON reports as the last line:
// `N passed, N failed[, N skipped]`. A missing report counts as one failure, and so does each
// test of a file that failed before its tests ran.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`count: no report ${file}`);
    failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  // A file whose setup failed (beforeAll threw) reports its tests as skipped and none as failed:
  // those tests did not run, so they count as failed here (at least one per such file).
  let notRun = 0;
  for (const f of r.testResults ?? []) {
    if (f.status !== 'failed' || f.assertionResults.some((a) => a.status === 'failed')) continue;
    const lost = f.assertionResults.filter((a) => a.status !== 'passed').length;
    notRun += Math.max(1, lost);
    console.error(`count: ${f.name} failed outside its tests; its ${lost} other tests count as failed`);
  }
  failed += notRun;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) - notRun;
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 || passed === 0 ? 1 : 0);
