#!/usr/bin/env node
// Type-checks every ```ts and ```tsx code block of the READMEs, docs/ and docs/guides/, so examples cannot rot.
// A block preceded by the line `<!-- not-checked -->` is skipped (API overviews in pseudo-TypeScript).
// Placeholders a snippet may use without declaring them (clientSecret, username…) are declared in
// .ci/snippet-globals.d.ts. Each snippet is compiled as its own module against the packages' sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}.artifacts/snippets/`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const documents = ['README.md'];
for (const dir of ['packages', 'examples']) {
  for (const name of readdirSync(`${root}${dir}`)) {
    if (existsSync(`${root}${dir}/${name}/README.md`)) documents.push(`${dir}/${name}/README.md`);
  }
}
for (const dir of ['docs', 'docs/guides']) {
  for (const name of readdirSync(`${root}${dir}`)) if (name.endsWith('.md')) documents.push(`${dir}/${name}`);
}

const origins = new Map();
for (const document of documents) {
  const lines = readFileSync(`${root}${document}`, 'utf8').split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const fence = /^```(ts|typescript|tsx)\s*$/.exec(lines[index]);
    if (!fence) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    const previous = lines.slice(0, index).findLast((line) => line.trim() !== '') ?? '';
    if (previous.trim() !== '<!-- not-checked -->') {
      const file = `${document.replaceAll('/', '__').replace('.md', '')}__${index + 1}.${fence[1] === 'tsx' ? 'tsx' : 'ts'}`;
      writeFileSync(`${out}${file}`, `${lines.slice(index + 1, end).join('\n')}\nexport {};\n`);
      origins.set(file, `${document}:${index + 1}`);
    }
    index = end;
  }
}

writeFileSync(
  `${out}tsconfig.json`,
  JSON.stringify({
    extends: '../../tsconfig.base.json',
    compilerOptions: {
      noUnusedLocals: false,
      types: ['node'],
      jsx: 'react-jsx',
      // Examples that import dev dependencies of one package only (the guides' tests and stores, ioredis).
      paths: {
        ioredis: ['../../packages/redis/node_modules/ioredis'],
        pinia: ['../../packages/vue/node_modules/pinia'],
        '@testing-library/react': ['../../packages/react/node_modules/@testing-library/react'],
      },
    },
    include: ['*.ts', '*.tsx', '../../.ci/snippet-globals.d.ts'],
  }),
);
console.log(`Type-checking ${origins.size} snippets from ${documents.length} documents…`);
const result = spawnSync('pnpm', ['exec', 'tsc', '-p', `${out}tsconfig.json`, '--pretty', 'false'], {
  cwd: root,
  encoding: 'utf8',
});
const output = `${result.stdout}${result.stderr}`.replace(
  /\.artifacts\/snippets\/([^(]+)\((\d+),(\d+)\)/g,
  (_, file, line) => {
    const [document, start] = (origins.get(file) ?? `${file}:0`).split(':');
    return `${document}:${Number(start) + Number(line)}`;
  },
);
if (output.trim()) console.log(output);
process.exit(result.status === 0 ? 0 : 1);
