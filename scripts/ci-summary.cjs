// Reads jest's --json report and prints the plain line CI reads: "N passed, N failed, N skipped".
// Exits 1 when any test or suite failed, or when the report is missing.
const fs = require('node:fs');
const file = process.argv[2] || '.jest-results.json';
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`no jest report at ${file}`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
// A suite that failed to run (syntax error, import error) has no test results: count it as failed.
const brokenSuites = r.numRuntimeErrorTestSuites || 0;
const failed = r.numFailedTests + brokenSuites;
const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
for (const s of r.testResults || []) {
  if (s.status === 'failed' && s.message) console.error(`FAILED ${s.name}\n${s.message.slice(0, 2000)}`);
}
console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || !r.success ? 1 : 0);
