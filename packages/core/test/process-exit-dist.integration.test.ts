// Decision 0004, checked on the built packages: child `node` processes import each package's dist,
// get tokens from a token endpoint served here, never dispose anything, and must exit by themselves.
// Once its work is done, each script lists what still keeps its event loop alive (`held [...]`): it must
// be nothing, which no machine load can blur (no time is measured). `test/fixtures/exit/*.mjs` are the
// scripts; `test/process-exit.integration.test.ts` covers core's sources through tsx. Build first
// (`pnpm build`).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** One answer of the endpoint; `late` ms before it is sent. */
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  late?: number;
}

const token = (name: string, count: number, expiresIn = 3600, tokenType = 'Bearer'): Answer => ({
  body: { access_token: `${name}-${count}`, token_type: tokenType, expires_in: expiresIn },
});
const unavailable = (headers: Record<string, string> = {}): Answer => ({
  status: 503,
  headers,
  body: { error: 'temporarily_unavailable' },
});

/** Per scenario, the answer to its `count`th request (1-based) of `path` (`token` or `api`). */
const scenarios: Record<string, (path: string, count: number) => Answer> = {
  'core-background': (_, count) => token('core-background', count),
  'core-cooldown': (_, count) => token('core-cooldown', count),
  // Refreshed in the background 1 s after the first token (half of its 2 s life), answered late.
  'core-background-in-flight': (_, count) =>
    count === 1 ? token('in-flight', count, 2) : { ...token('in-flight', count), late: 300 },
  'core-background-retry-after': (_, count) =>
    count === 1 ? token('retry-after', count, 2) : unavailable({ 'retry-after': '3600' }),
  'core-background-backoff': (_, count) => (count === 1 ? token('backoff', count, 2) : unavailable()),
  'core-caller-retry': (_, count) =>
    count === 1 ? unavailable({ 'retry-after': '1' }) : token('caller-retry', count),
  'node-client': (_, count) => token('node', count),
  dpop: (path, count) => {
    if (path === 'token') {
      return count === 1
        ? {
            status: 400,
            headers: { 'dpop-nonce': 'token-nonce' },
            body: { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce' },
          }
        : token('dpop', count, 3600, 'DPoP');
    }
    return count === 1
      ? {
          status: 401,
          headers: { 'dpop-nonce': 'api-nonce', 'www-authenticate': 'DPoP error="use_dpop_nonce"' },
        }
      : { body: { ok: true } };
  },
  'fetch-replay': (path, count) => {
    if (path === 'token') return token('fetch', count);
    return count === 1
      ? { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }
      : { body: { ok: true }, late: 300 };
  },
  control: (_, count) => token('control', count),
};

const requests = new Map<string, number>();
let server: Server;
let origin = '';

function answer(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  const [, name = '', path = ''] = request.url?.split('/') ?? [];
  const key = `${name} ${path}`;
  const count = (requests.get(key) ?? 0) + 1;
  requests.set(key, count);
  const scenario = scenarios[name];
  const { status = 200, headers = {}, body, late = 0 } = scenario ? scenario(path, count) : { status: 404 };
  setTimeout(() => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(body === undefined ? '' : JSON.stringify(body));
  }, late);
}

beforeAll(async () => {
  for (const pkg of ['core', 'node', 'dpop', 'fetch']) {
    if (!existsSync(new URL(`../../${pkg}/dist/index.js`, import.meta.url))) {
      throw new Error(`packages/${pkg}/dist is missing: run pnpm build first`);
    }
  }
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Run {
  child: ChildProcess;
  output: () => string;
  /** Settles with the exit code once the child exits by itself, or `'killed'` after `bound` ms. */
  exited: Promise<number | null | 'killed'>;
}

/** Runs `fixtures/exit/<script>.mjs` against scenario `name` of the endpoint. */
function run(script: string, name: string = script, bound = 20_000): Run {
  const file = fileURLToPath(new URL(`./fixtures/exit/${script}.mjs`, import.meta.url));
  const child = spawn(process.execPath, [file, `${origin}/${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Only a failure detector: a child that exits by itself is never waited for this long.
  const hung = setTimeout(() => child.kill('SIGKILL'), bound);
  // 'close', not 'exit': stdout and stderr may still hold output when the process has exited.
  const exited = new Promise<number | null | 'killed'>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(hung);
      resolve(signal === 'SIGKILL' ? 'killed' : code);
    }),
  );
  return { child, output: () => output, exited };
}

describe('a Node process that never disposes anything (built packages)', () => {
  // Spawned at once, in parallel: the slowest scenario (a background refresh 1 s in) sets the pace.
  const cases: [string, string, string, RegExp][] = [
    [
      'core: a cached token and background refresh',
      'core-background',
      'core-background',
      /token core-background-1/,
    ],
    ['core: the rejection cool-down running', 'core-cooldown', 'core-cooldown', /ignored true/],
    [
      'core: a background refresh in flight',
      'core-background-in-flight',
      'core-background-in-flight',
      /token in-flight-1\nrefreshed in-flight-2\n/,
    ],
    [
      'core: a background refresh waiting on Retry-After: 3600',
      'core-background-retry',
      'core-background-retry-after',
      /retrying after 60000 ms/,
    ],
    [
      'core: a background refresh waiting 30 s of backoff',
      'core-background-retry',
      'core-background-backoff',
      /retrying after 30000 ms/,
    ],
    ['node: a client-credentials client with two targets', 'node-client', 'node-client', /token node-2/],
    ['dpop: a nonce for the token endpoint and one for the API', 'dpop', 'dpop', /api 200/],
    ['fetch: withTokens replaying after a 401', 'fetch-replay', 'fetch-replay', /api 200 after 2 sends/],
  ];
  let runs: Run[] = [];
  let control: Run;

  beforeAll(() => {
    runs = cases.map(([, script, name]) => run(script, name));
    control = run('control', 'control', 60_000);
  });

  afterAll(() => {
    control.child.kill('SIGKILL');
  });

  it.each(cases.map((entry, index) => [...entry, index] as const))(
    'exits by itself (%s)',
    async (_, __, ___, printed, index) => {
      const { exited, output } = runs[index] as Run;
      expect(await exited, output()).toBe(0);
      expect(output()).toMatch(printed);
      // Nothing ref'd was left once its work was done (no timer, however short or long; no socket).
      expect(output()).toMatch(/\nidle\nheld \[\]\n/);
    },
  );

  it('keeps the process alive through a Retry-After wait a caller awaits, then exits', async () => {
    const { exited, output } = run('core-caller-retry');
    expect(await exited, output()).toBe(0);
    expect(output()).toMatch(/retrying after 1000 ms\ntoken caller-retry-2\nidle\nheld \[\]\n/);
  });

  it('is a test that can fail: a script with a referenced timer of its own lists it and stays alive', async () => {
    // Its own timer is listed, however fast or slow the machine,
    await new Promise<void>((resolve) => {
      const listed = () => /held /.test(control.output()) && resolve();
      listed();
      control.child.stdout?.on('data', listed);
    });
    expect(control.output()).toMatch(/token control-1\nidle\nheld \["Timeout"\]\n/);
    // and keeps it alive: every other child has exited; this one got its token as early as they did, and 5 s more.
    await Promise.all(runs.map(({ exited }) => exited));
    const stillAlive = await Promise.race([
      control.exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000)),
    ]);
    expect(stillAlive).toBe(true);
    control.child.kill('SIGKILL');
    expect(await control.exited).toBe('killed');
  });

  it('sent exactly the requests each script needed (no retry went out after the script stopped working)', () => {
    expect(Object.fromEntries([...requests].sort(([a], [b]) => a.localeCompare(b)))).toEqual({
      'control token': 1,
      'core-background token': 1,
      'core-background-backoff token': 2,
      'core-background-in-flight token': 2,
      'core-background-retry-after token': 2,
      'core-caller-retry token': 2,
      'core-cooldown token': 2,
      'dpop api': 2,
      'dpop token': 2,
      'fetch-replay api': 2,
      'fetch-replay token': 2,
      'node-client token': 2,
    });
  });
});
