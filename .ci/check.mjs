#!/usr/bin/env node
// `pnpm check`: every check and test a developer and CI run, in order, each step reported.
// Steps: system packages (chromium, redis-server) → build → dist smoke → typecheck → bench types → lint → README snippets →
// decision records index → pitfall maps → publint/attw →
// tarball contents → consumer types (packed tarballs, skipLibCheck: false) → size budgets → every vitest
// project (unit, integration, e2e). A failing step does not stop
// the others, so one run shows everything that is wrong. The last line is `N passed, N failed`:
// every test plus every non-test step, summed over all suites. Exit code 1 if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const report = `${root}.artifacts/vitest-report.json`;
const steps = [];

function run(name, command, args) {
  const started = Date.now();
  console.log(`\n━━ ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  steps.push({ name, ok, seconds: ((Date.now() - started) / 1000).toFixed(1) });
  console.log(`━━ ${name}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`}`);
  return ok;
}

mkdirSync(`${root}.artifacts`, { recursive: true });
rmSync(report, { force: true });

run('system packages', 'bash', ['.ci/ensure-system-packages.sh']);
run('build', 'pnpm', ['-r', '--filter', './packages/*', 'build']);
run('dist smoke (require + import)', 'node', ['.ci/smoke-dist.mjs']);
run('typecheck', 'pnpm', ['-r', '--workspace-concurrency=1', 'typecheck']);
run('bench types', 'pnpm', ['exec', 'tsc', '-p', 'bench']);
run('lint', 'pnpm', ['exec', 'biome', 'check', '.']);
run('README snippets', 'node', ['.ci/check-snippets.mjs']);
run('@default on every public option', 'node', ['.ci/check-option-defaults.mjs']);
run('decision records index', 'node', ['.ci/check-decisions-index.mjs']);
run('pitfall maps cite existing tests', 'node', ['.ci/check-docs-links.mjs']);
run('publint + attw', 'pnpm', ['-r', '--workspace-concurrency=1', '--filter', './packages/*', 'publint']);
run('tarball contents (no tests, dist + src only)', 'node', ['.ci/pack-tarballs.mjs']);
run('consumer types (node16 no DOM, bundler no @types/node)', 'node', ['.ci/check-consumer-types.mjs']);
run('size budgets', 'pnpm', ['exec', 'size-limit']);
run('tests', 'pnpm', [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
]);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that failed to load has no tests to count: count it as one failure.
  failed += json.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
} else {
  failed += 1;
}
const testStep = steps.find((step) => step.name === 'tests');
// vitest exits non-zero with every test passed when it caught an unhandled error or rejection: one failure,
// so the last line never says `0 failed` for a run that failed.
if (testStep && !testStep.ok && failed === 0) {
  failed += 1;
  console.log(
    'tests: vitest failed with no failed test (an unhandled error, see above): counted as one failure',
  );
}
for (const step of steps) {
  if (step === testStep) continue;
  if (step.ok) passed += 1;
  else failed += 1;
}

console.log('\nSummary');
console.table(steps.map(({ name, ok, seconds }) => ({ step: name, result: ok ? 'ok' : 'FAILED', seconds })));
console.log(`tests: ${passed - steps.filter((s) => s !== testStep && s.ok).length} passed in vitest`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && steps.every((step) => step.ok) ? 0 : 1);
