import { describe, expect, it, vi } from 'vitest';
import { captureFinalUrl, finalUrlOf } from './capture-final-url.js';

type Env = { fetch: (input: unknown, init?: unknown) => Promise<unknown>; FormData?: unknown };

describe('captureFinalUrl', () => {
  it('wraps the global fetch with one wrapper for every request (axios caches its adapter per env.fetch)', () => {
    const first: { env?: unknown } = {};
    const second: { env?: unknown } = { env: { FormData: 'kept' } };
    captureFinalUrl(first);
    captureFinalUrl(second);
    expect((first.env as Env).fetch).toBe((second.env as Env).fetch);
    expect((second.env as Env).FormData).toBe('kept');
  });

  it('never wraps a wrapper again (replays), nor changes the env object the caller passed', () => {
    const own = vi.fn(async () => ({ url: 'https://other.test/x' }));
    const env = { fetch: own };
    const config: { env?: unknown } = { env };
    captureFinalUrl(config);
    const wrapper = (config.env as Env).fetch;
    captureFinalUrl(config);
    expect((config.env as Env).fetch).toBe(wrapper);
    expect(env.fetch).toBe(own);
  });

  it('calls the underlying fetch with the same arguments, returns its response, notes its url by Request', async () => {
    const response = { url: 'https://other.test/x', status: 401 };
    const own = vi.fn(async () => response);
    const config: { env?: unknown } = { env: { fetch: own } };
    captureFinalUrl(config);
    const request = { url: 'https://api.test/redirect' };
    const options = { redirect: 'follow' };
    await expect((config.env as Env).fetch(request, options)).resolves.toBe(response);
    expect(own.mock.calls).toEqual([[request, options]]);
    expect(finalUrlOf(request)).toBe('https://other.test/x');
    expect(finalUrlOf({})).toBeUndefined();
    expect(finalUrlOf('https://api.test/')).toBeUndefined();
    expect(finalUrlOf(null)).toBeUndefined();
  });

  it('passes a rejection through untouched and notes nothing', async () => {
    const failure = new TypeError('fetch failed');
    const config: { env?: unknown } = { env: { fetch: async () => Promise.reject(failure) } };
    captureFinalUrl(config);
    const request = {};
    await expect((config.env as Env).fetch(request)).rejects.toBe(failure);
    expect(finalUrlOf(request)).toBeUndefined();
  });

  it('leaves an env.fetch that is not a function to axios', () => {
    const env = { fetch: 'nope' };
    const config: { env?: unknown } = { env };
    captureFinalUrl(config);
    expect(config.env).toBe(env);
  });
});
