/**
 * `pnpm bench`: runs every bench/*.bench.ts in its own Node process (with --expose-gc, on the
 * packages' sources) one after another, and prints each one's table. Never a pass/fail gate.
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
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--conditions=@tessera/source', '--import', 'tsx', `${dir}${file}`],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) console.log(`(bench/${file} exited with ${run.status})`);
}
