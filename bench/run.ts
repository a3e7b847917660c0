/**
 * `pnpm bench`: builds the packages, then runs every bench/*.bench.ts in its own Node process (with
 * --expose-gc) one after another, and prints each one's table. Never a pass/fail gate.
 *
 * The benches import the built `dist/` files, as an app does. Not the sources through tsx: its
 * transform wraps every function created at run time in a `__name` call, a cost per request that
 * only the per-request closures of the measured code paid, not the hand-written baselines.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();

for (const file of files) {
  console.log(`\n=== bench/${file}`);
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `${dir}${file}`], {
    stdio: 'inherit',
  });
  if (run.status !== 0) console.log(`(bench/${file} exited with ${run.status})`);
}
