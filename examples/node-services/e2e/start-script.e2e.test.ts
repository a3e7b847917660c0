import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { scripts } = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8')) as {
  scripts: { start: string };
};

/** Output of the demo until it has printed everything `--keep-running` prints. */
async function startDemo(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop.')) resolve(output);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the demo exited early (${code}):\n${output}`)));
  });
}

describe('the start script with --keep-running', () => {
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    // The package's own start script, as pnpm runs it, in its own process group so that the test
    // can interrupt tsx and the demo together, as Ctrl-C in a terminal does.
    // --stepped-time: the story's 4 s token margins are real time otherwise, and a loaded CI
    // machine can miss them (decision 0757); what this test is about is the script, not the pace.
    child = spawn('sh', ['-c', `${scripts.start} --keep-running --stepped-time`], {
      cwd: packageDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NO_COLOR: '1',
        PATH: `${packageDir}node_modules/.bin${delimiter}${process.env.PATH ?? ''}`,
      },
    });
    output = await startDemo(child);
  }, 90_000);

  afterAll(() => {
    if (child?.pid && child.exitCode === null && child.signalCode === null)
      process.kill(-child.pid, 'SIGKILL');
  });

  it('plays the whole story, prints the summary and warns about nothing', () => {
    expect(output).toContain('Every expectation held');
    // The DPoP chapter adds 2 token requests (one nonce retry at auth) and the thief's 2 × 401.
    expect(output).toMatch(/6\. DPoP\s+102\s+2\s+2\s+0\s+held/);
    expect(output).toMatch(/total\s+\d+\s+8\s+52\s+2/);
    expect(output).not.toContain('WARNING');
  });

  it('keeps the services up: the printed inventory URL answers 401 with a Bearer challenge', async () => {
    const response = await fetch(`${inventoryUrl(output)}/stock/sku-1`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="inventory"');
  });

  it('stops the services on Ctrl-C', async () => {
    let rest = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      rest += chunk.toString();
    });
    // 'close', not 'exit': the last lines may still be in the pipe when the process has exited.
    const exited = new Promise<void>((resolve) => child?.once('close', () => resolve()));
    process.kill(-(child?.pid ?? 0), 'SIGINT');
    await exited;
    expect(rest).toContain('Stopping the services');
    await expect(fetch(`${inventoryUrl(output)}/stock/sku-1`)).rejects.toThrow();
  }, 30_000);
});

function inventoryUrl(output: string): string | undefined {
  return /(http:\/\/127\.0\.0\.1:\d+)\/stock\/sku-1/.exec(output)?.[1];
}
