#!/usr/bin/env node
// docs/decisions/README.md indexes every decision record. Fails when a record is missing from the
// index, when the index links a file that does not exist, or when two records share a number
// (two developers took the same one: renumber the later).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../docs/decisions/', import.meta.url));
const records = readdirSync(dir).filter((name) => /^\d{4}-.+\.md$/.test(name));
const index = readFileSync(`${dir}README.md`, 'utf8');
const linked = new Set([...index.matchAll(/\]\((\d{4}-[^)]+\.md)\)/g)].map((match) => match[1]));

const problems = [];
for (const record of records) if (!linked.has(record)) problems.push(`${record} is not in the index`);
for (const link of linked)
  if (!existsSync(`${dir}${link}`)) problems.push(`the index links ${link}, which does not exist`);
const byNumber = new Map();
for (const record of records)
  byNumber.set(record.slice(0, 4), [...(byNumber.get(record.slice(0, 4)) ?? []), record]);
for (const [number, names] of byNumber) {
  if (names.length > 1) problems.push(`${names.length} records share number ${number}: ${names.join(', ')}`);
}

if (problems.length === 0) {
  console.log(`ok   docs/decisions/README.md indexes all ${records.length} records, numbers unique`);
} else {
  console.log(
    `FAIL docs/decisions:\n  ${problems.join('\n  ')}\nAdd a line per record to docs/decisions/README.md.`,
  );
}
process.exit(problems.length === 0 ? 0 : 1);
