#!/usr/bin/env node
// The pitfall maps cite the tests that guard each failure. Fails when docs/pitfalls.md does not link
// every per-area map, or when a map links a file that does not exist or names a test file
// (`packages/…/x.test.ts`, as a link or in the text) that does not exist — a renamed or deleted test
// must take its citation with it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const index = 'docs/pitfalls.md';
const maps = [
  'docs/pitfalls-signin.md',
  'docs/pitfalls-bindings.md',
  'docs/pitfalls-fetch.md',
  'docs/pitfalls-dpop.md',
  'docs/transport-pitfalls.md',
];

/** Local link targets of `text`, without `#anchor`: `[x](../a/b.ts)` → `../a/b.ts`. */
function linkTargets(text) {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1].split('#')[0])
    .filter((target) => target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Test files named by repository path in the text: `packages/core/src/x.test.ts`, `examples/…`. */
function citedTestPaths(text) {
  const paths = text.matchAll(
    /(?<![\w./-])((?:packages|examples|test-support)\/[\w./-]+\.test(?:-d)?\.tsx?)/g,
  );
  return [...new Set([...paths].map((match) => match[1]))];
}

const problems = [];
const indexText = readFileSync(join(root, index), 'utf8');
const indexLinks = new Set(linkTargets(indexText).map((target) => join(dirname(index), target)));
for (const map of maps) if (!indexLinks.has(map)) problems.push(`${index} does not link ${map}`);

for (const doc of [index, ...maps]) {
  const path = join(root, doc);
  if (!existsSync(path)) {
    problems.push(`${doc} does not exist`);
    continue;
  }
  const text = readFileSync(path, 'utf8');
  for (const target of linkTargets(text)) {
    const file = join(dirname(path), decodeURI(target));
    if (!existsSync(file)) problems.push(`${doc} links ${target}, which does not exist`);
  }
  for (const cited of citedTestPaths(text)) {
    // Named from the repository root (a link, `../packages/…`, is checked above).
    if (!existsSync(join(root, cited))) problems.push(`${doc} cites ${cited}, which does not exist`);
  }
}

if (problems.length === 0) {
  console.log(`ok   ${index} links every pitfall map; every file they cite exists`);
} else {
  console.log(`FAIL pitfall maps:\n  ${problems.join('\n  ')}`);
}
process.exit(problems.length === 0 ? 0 : 1);
