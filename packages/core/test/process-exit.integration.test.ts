import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/idle-after-use.ts', import.meta.url));

describe('a Node process using a TokenManager', () => {
  it.each([
    ['default options', ''],
    ['background refresh, retries and a pending timeout', 'background'],
    ['a retry after HTTP 503', 'retry'],
  ])('exits by itself within a second of its last call (%s)', async (_, mode) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tessera/source', script, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const exitedAt = Date.now();
    const doneAt = Number(/done (\d+)/.exec(output)?.[1]);
    expect(code).toBe(0);
    expect(output).toContain('token a');
    expect(exitedAt - doneAt).toBeLessThan(1_000);
  });
});
