import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactError } from './redact-error.js';

const secrets = ['Bearer at-0', 'at-0'];

describe('redactError', () => {
  it('rewrites the header in config and the request head, outgoing headers and follow-redirects options', () => {
    const kOutHeaders = Symbol('kOutHeaders');
    const clientRequest = {
      _header: 'GET /x HTTP/1.1\r\nAuthorization: Bearer at-0\r\n\r\n',
      [kOutHeaders]: { authorization: ['Authorization', 'Bearer at-0'] },
    };
    const redirectable = {
      _options: { headers: { Authorization: 'Bearer at-0' } },
      _currentRequest: clientRequest,
    };
    const error = redactError(
      {
        config: { headers: { Authorization: 'Bearer at-0', Accept: 'application/json' } },
        request: redirectable,
        response: { request: { ...clientRequest, _redirectable: redirectable } },
      },
      secrets,
    );
    expect(error.config.headers).toEqual({ Authorization: REDACTED, Accept: 'application/json' });
    expect(inspect(error, { depth: 8 })).not.toContain('at-0');
    expect(JSON.stringify(error)).not.toContain('at-0');
  });

  it('never touches objects shared with other requests (an agent’s queue): they have not been sent yet', () => {
    const queued = { _header: 'GET /y HTTP/1.1\r\nAuthorization: Bearer at-0\r\n\r\n' };
    const agent = { requests: { 'api.test:443:': [queued] } };
    redactError(
      { request: { _header: 'Authorization: Bearer at-0', agent, socket: { _httpMessage: queued } } },
      secrets,
    );
    expect(queued._header).toContain('Bearer at-0');
  });

  it('rewrites a fetch Request’s headers (axios’s fetch adapter)', () => {
    const request = new Request('https://api.test/', { headers: { Authorization: 'Bearer at-0' } });
    redactError({ request }, secrets);
    expect(request.headers.get('authorization')).toBe(REDACTED);
  });

  it('rewrites a response that echoes the token: a text body, the string values of parsed JSON, a header', () => {
    const nested: Record<string, unknown> = { deep: [{ quote: 'refused Bearer at-0' }] };
    nested.self = nested; // a cycle a transformResponse could make
    const frozen = Object.freeze({ note: 'x at-0' });
    const json = { error: 'invalid_token', seen: 'Bearer at-0', nested, frozen, count: 1, none: null };
    const asJson = redactError({ response: { data: json, headers: { 'x-echo': 'at-0' } } }, secrets);
    const asText = redactError({ response: { data: 'token at-0 is not valid' } }, secrets);
    expect(json).toMatchObject({ error: 'invalid_token', seen: REDACTED, count: 1, none: null });
    expect(asText.response.data).toBe(`token ${REDACTED} is not valid`);
    expect(inspect([asJson, asText], { depth: 12 }).replace('x at-0', '')).not.toContain('at-0');
    const { self: _cycle, ...acyclic } = nested;
    expect(JSON.stringify([acyclic, asJson.response.headers, asText])).not.toContain('at-0');
  });

  it('walks a body nested 100,000 levels deep without overflowing the stack', () => {
    const innermost = ['at-0'];
    let data: unknown = innermost;
    for (let depth = 0; depth < 100_000; depth += 1) data = [data];
    redactError({ response: { data } }, secrets);
    expect(innermost).toEqual([REDACTED]);
  });
});
