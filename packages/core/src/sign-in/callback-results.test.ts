import { describe, expect, it } from 'vitest';
import { callbackResults } from './callback-results.js';
import type { CallbackResult } from './sign-in-result.js';

const done: CallbackResult = { status: 'not-a-callback', cleaned: false };

describe('callbackResults', () => {
  it('keeps every callback in progress, however many, and only the latest settled ones', async () => {
    const results = callbackResults(2);
    const pending = new Promise<CallbackResult>(() => {});
    results.add('in-progress', pending);
    for (let index = 0; index < 100; index += 1) results.add(`settled-${index}`, Promise.resolve(done));
    await Promise.resolve();
    await Promise.resolve();
    expect(results.get('in-progress')).toBe(pending);
    expect(results.get('settled-0')).toBeUndefined();
    expect(results.get('settled-97')).toBeUndefined();
    expect(results.get('settled-98')).toBeDefined();
    expect(results.get('settled-99')).toBeDefined();
  });

  it('a result that settles after clear() cannot evict the callback in progress for its key since', async () => {
    const results = callbackResults(1);
    let settle: (result: CallbackResult) => void = () => {};
    results.add('a', new Promise((resolve) => (settle = resolve)));
    results.clear(''); // sign-out
    const inProgress = new Promise<CallbackResult>(() => {});
    results.add('a', inProgress);
    settle(done);
    await Promise.resolve();
    results.add('b', Promise.resolve(done));
    await Promise.resolve();
    await Promise.resolve();
    expect(results.get('a')).toBe(inProgress);
    expect(results.get('b')).toBeDefined();
  });

  it("clear(prefix) forgets only the results of that client, settled or in progress: another client's stay shared", async () => {
    const results = callbackResults(10);
    const theirs = Promise.resolve(done);
    const theirsPending = new Promise<CallbackResult>(() => {});
    results.add('iss admin s1', theirs);
    results.add('iss admin s2', theirsPending);
    results.add('iss spa s3', Promise.resolve(done));
    results.add('iss spa s4', new Promise<CallbackResult>(() => {}));
    await Promise.resolve();
    results.clear('iss spa ', true);
    expect(results.get('iss spa s3')).toBeUndefined();
    expect(results.get('iss spa s4')).toBeDefined();
    results.clear('iss spa ');
    expect(results.get('iss spa s4')).toBeUndefined();
    expect(results.get('iss admin s1')).toBe(theirs);
    expect(results.get('iss admin s2')).toBe(theirsPending);
  });

  it('clear(true) forgets the settled results and keeps the callbacks in progress (the session ended in this tab)', async () => {
    const results = callbackResults(10);
    const pending = new Promise<CallbackResult>(() => {});
    results.add('in-progress', pending);
    results.add('settled', Promise.resolve(done));
    await Promise.resolve();
    results.clear('', true);
    expect(results.get('settled')).toBeUndefined();
    expect(results.get('in-progress')).toBe(pending);
    results.clear('');
    expect(results.get('in-progress')).toBeUndefined();
  });
});
