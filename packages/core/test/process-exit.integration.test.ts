import { describe, expect, it } from 'vitest';
import { runUntilExit } from './fixtures/run-until-exit.js';

const script = new URL('./fixtures/idle-after-use.ts', import.meta.url);

describe('a Node process using a TokenManager', () => {
  it.each([
    ['default options', ''],
    ['background refresh, retries and a pending timeout', 'background'],
    ['a retry after HTTP 503', 'retry'],
  ])('exits by itself, holding no timer or socket once its last call is done (%s)', async (_, mode) => {
    const { code, signal, output } = await runUntilExit(script, [mode]).exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output).toContain('token a');
    // Nothing ref'd was left after its last call (no timer, however short or long).
    expect(output).toContain('held []');
  });
});
