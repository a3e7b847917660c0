import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './repo-root.js';

/** The files both browser examples carry in identical copies (docs/decisions/0752): each app stands alone. */
function sharedFiles(): string[] {
  const demo = readdirSync(`${repoRoot}examples/react-app/src/demo`).map((name) => `src/demo/${name}`);
  return [...demo, 'src/styles.css', 'public/mockServiceWorker.js'].sort();
}

describe('examples/react-app and examples/vue-app', () => {
  it('hold the same framework-free files (src/demo/, styles, msw worker), byte for byte', () => {
    const vueDemo = readdirSync(`${repoRoot}examples/vue-app/src/demo`).map((name) => `src/demo/${name}`);
    expect(vueDemo.sort()).toEqual(sharedFiles().filter((file) => file.startsWith('src/demo/')));
    const different = sharedFiles().filter(
      (file) =>
        readFileSync(`${repoRoot}examples/react-app/${file}`, 'utf8') !==
        readFileSync(`${repoRoot}examples/vue-app/${file}`, 'utf8'),
    );
    expect(different, 'copy the React app’s version to the Vue app, or the other way round').toEqual([]);
  });
});
