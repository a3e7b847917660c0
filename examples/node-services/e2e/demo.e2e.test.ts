import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhaseResult } from '../src/phase-recorder.js';
import { steppedTime } from '../src/stepped-time.js';
import { runStory, type StoryResult } from '../src/story.js';
import { createTimeline } from '../src/timeline.js';

describe('the node-services demo story', () => {
  const lines: string[] = [];
  let story: StoryResult | undefined;

  beforeAll(async () => {
    // Time passes only where the story pauses, and a slow inventory call is not taken for a hung
    // one (decision 0757): how fast the machine is changes no count.
    story = await runStory({
      timeline: createTimeline({ write: (line) => lines.push(line), color: false }),
      clock: steppedTime(),
      inventoryTimeout: 30_000,
    });
  }, 60_000);

  afterAll(async () => {
    await story?.close();
  });

  function phase(title: string): PhaseResult {
    const found = story?.phases.find((candidate) => candidate.title.endsWith(title));
    if (!found) throw new Error(`no phase "${title}" in the story`);
    return found;
  }

  it('sends one token request for 200 concurrent calls', () => {
    expect(phase('Burst')).toMatchObject({ calls: 200, tokenRequests: 1, unauthorized: 0, failures: 0 });
  });

  it('refreshes twice ahead of expiry while calls go on, with zero 401s and zero failures', () => {
    const expiry = phase('Expiry');
    expect(expiry).toMatchObject({ tokenRequests: 2, unauthorized: 0, failures: 0 });
    expect(expiry.calls).toBeGreaterThan(10);
  });

  it('answers 50 rejected calls after a key rotation with exactly one refresh and 50 successful replays', () => {
    expect(phase('Key rotation')).toMatchObject({
      calls: 50,
      tokenRequests: 1,
      unauthorized: 50,
      failures: 0,
    });
  });

  it('fails a wrong client secret with invalid_client after one token request, without calling inventory', () => {
    expect(phase('Wrong secret')).toMatchObject({
      calls: 1,
      tokenRequests: 1,
      unauthorized: 0,
      failures: 1,
      reasons: ['invalid_client'],
    });
  });

  it('answers a token without the required scope with 403 and does not refresh', () => {
    expect(phase('Missing scope')).toMatchObject({ tokenRequests: 1, failures: 1, reasons: ['403'] });
  });

  it('calls inventory with DPoP-bound tokens: 102 verified proofs, 1 token after 1 nonce retry, the stolen token refused twice', () => {
    expect(phase('DPoP')).toMatchObject({ calls: 102, tokenRequests: 2, unauthorized: 2, failures: 0 });
    expect(phase('DPoP').checks.map((check) => check.message)).toEqual([
      '102 of 102 calls succeeded, each with its own verified proof (expected all)',
      '1 DPoP-bound token issued after 1 nonce retry at auth (expected 1 and 1)',
      "inventory's nonce cost one retry at first and one after its rotation, 0 token requests (expected 1, 1 and 0)",
      'the stolen token was refused: 401 as Bearer, 401 with another key (expected 401 and 401)',
    ]);
    expect(lines.join('\n')).toContain('refused a token request from shipping: use_dpop_nonce');
  });

  it('meets every expectation it prints', () => {
    const unmet = story?.phases.flatMap((result) => result.checks.filter((check) => !check.ok));
    expect(unmet).toEqual([]);
    expect(story?.ok).toBe(true);
  });

  it('prints no access token and no client secret', () => {
    const output = lines.join('\n');
    expect(output).toContain('invalid_client');
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(output).not.toContain('orders-old-secret');
    expect(output).not.toContain('orders-demo-secret');
    expect(output).not.toContain('shipping-demo-secret');
  });
});
