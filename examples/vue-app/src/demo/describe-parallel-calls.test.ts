import { describe, expect, it } from 'vitest';
import { describeParallelCalls } from './describe-parallel-calls.js';

describe('describeParallelCalls', () => {
  it('says what the button is about to do before the first run', () => {
    expect(describeParallelCalls(undefined)).toBe(
      'the current token stops working first: one refresh must serve them all',
    );
  });

  it('reports a run that needed one token request', () => {
    expect(describeParallelCalls({ calls: 20, succeeded: 20, failures: [], tokenRequests: 1 })).toBe(
      '20 calls · 20 succeeded · 1 token request',
    );
  });

  it('puts token requests in the plural for any count but 1', () => {
    expect(describeParallelCalls({ calls: 20, succeeded: 20, failures: [], tokenRequests: 2 })).toBe(
      '20 calls · 20 succeeded · 2 token requests',
    );
    expect(describeParallelCalls({ calls: 20, succeeded: 20, failures: [], tokenRequests: 0 })).toBe(
      '20 calls · 20 succeeded · 0 token requests',
    );
  });

  it('counts failed calls and names the first failure', () => {
    expect(
      describeParallelCalls({
        calls: 20,
        succeeded: 0,
        failures: Array.from({ length: 20 }, () => 'invalid_grant'),
        tokenRequests: 1,
      }),
    ).toBe('20 calls · 0 succeeded · 20 failed (invalid_grant) · 1 token request');
    expect(
      describeParallelCalls({
        calls: 20,
        succeeded: 18,
        failures: ['ERR_NETWORK', '503'],
        tokenRequests: 1,
      }),
    ).toBe('20 calls · 18 succeeded · 2 failed (ERR_NETWORK) · 1 token request');
  });
});
