// Adds up vitest's per-package "Tests" lines from a turbo log into one closing line that any CI
// reader understands: "tests: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const ESCAPE = String.fromCharCode(0x1b);
const log = readFileSync(process.argv[2], 'utf8').replaceAll(new RegExp(`${ESCAPE}\\[[0-9;]*m`, 'g'), '');
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const line of log.split('\n')) {
  const summary = /\bTests\s+(.*)\((\d+)\)\s*$/.exec(line);
  if (!summary) continue;
  for (const [, count, kind] of summary[1].matchAll(/(\d+) (passed|failed|skipped)/g))
    totals[kind] += Number(count);
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
