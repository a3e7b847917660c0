import { createOriginPolicy } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import { guardRedirects } from './guard-redirects.js';

type Hook = (options: { href?: string; headers?: Record<string, unknown> }, response: unknown) => void;

const allows = createOriginPolicy('https://api.test', () => undefined);
const credentials = ['authorization', 'dpop'];
/** The options of a hop to `href` carrying the token header. */
const hopTo = (href: string) => ({ href, headers: { Authorization: 'Bearer t', Accept: 'a' } });

describe('guardRedirects', () => {
  it("a new record of the same attachment (a replay's) takes the place of the old one's check", () => {
    const config: { beforeRedirect?: unknown } = {};
    const [sent, replay] = [{ withheld: false }, { withheld: false }];
    guardRedirects(config, allows, credentials, sent);
    guardRedirects(config, allows, credentials, replay);
    const hop = hopTo('https://evil.test/');
    (config.beforeRedirect as Hook)(hop, {});
    expect([hop.headers, sent.withheld, replay.withheld]).toEqual([{ Accept: 'a' }, false, true]);
  });

  it('the same record again (the send-time recheck) keeps its guard, the caller hook and the other attachment', () => {
    const user = vi.fn();
    const config: { beforeRedirect?: unknown } = { beforeRedirect: user };
    const [ours, theirs] = [{ withheld: false }, { withheld: false }];
    guardRedirects(config, allows, ['x-other'], theirs);
    guardRedirects(config, allows, credentials, ours);
    const guard = config.beforeRedirect;
    guardRedirects(config, allows, credentials, ours);
    expect(config.beforeRedirect).toBe(guard);
    const hop = hopTo('https://evil.test/');
    (config.beforeRedirect as Hook)(hop, {});
    expect([user.mock.calls.length, hop.headers, ours.withheld, theirs.withheld]).toEqual([
      1,
      { Accept: 'a' },
      true,
      true,
    ]);
  });

  it('the same record on a config with a transport: the transport is wrapped for that config', () => {
    const inner = {
      request: vi.fn((options: { followRedirects?: boolean }, _done: unknown) => options.followRedirects),
    };
    const record = { withheld: false };
    const first: { beforeRedirect?: unknown; transport?: unknown; maxRedirects?: number } = {
      transport: inner,
    };
    guardRedirects(first, allows, credentials, record);
    // A new config object an interceptor returned, with the same guard and transport, and maxRedirects: 0.
    const second = { ...first, maxRedirects: 0 };
    guardRedirects(second, allows, credentials, record);
    expect(second.transport).not.toBe(first.transport);
    const sent = (second.transport as typeof inner).request({}, () => {});
    expect([sent, inner.request.mock.calls.length]).toEqual([false, 1]);
  });
});
