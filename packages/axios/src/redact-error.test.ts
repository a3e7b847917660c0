import { inspect } from 'node:util';
import { runInNewContext } from 'node:vm';
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

  describe('every form an API may echo the token in (core’s redactor: one rule for every encoding)', () => {
    const token = 'at+/~0.x>?'; // its Base64 forms (and the header's) differ: padded, unpadded, url
    const header = `Bearer ${token}`;
    const both = [header, token];
    /** Every spelling a check looks for, computed here, independently of the library. */
    const spellings = both.flatMap((text) => {
      const base64 = Buffer.from(text).toString('base64');
      return [
        text,
        encodeURIComponent(text),
        base64,
        base64.replace(/=+$/, ''),
        Buffer.from(text).toString('base64url'),
      ];
    });
    const showsNone = (text: string) => spellings.filter((spelling) => text.includes(spelling));

    it('a JSON key that quotes the token or the header is renamed; its value is kept', () => {
      const data = {
        [header]: 'refused',
        nested: [{ [`seen ${token} at 12:00`]: { ok: false } }],
        kept: { ordinary: 1 },
      };
      redactError({ response: { data } }, both);
      expect(data).toEqual({
        [REDACTED]: 'refused',
        nested: [{ [`seen ${REDACTED} at 12:00`]: { ok: false } }],
        kept: { ordinary: 1 },
      });
    });

    it('Base64 (padded, unpadded), base64url and percent-encoded forms in text, JSON values, keys and headers', () => {
      const encoded = spellings.filter((spelling) => !both.includes(spelling));
      expect(new Set(encoded).size).toBe(8); // distinct: each form is checked
      const data = {
        values: encoded.map((form) => `echo: ${form};`),
        keys: Object.fromEntries(encoded.map((form, i) => [form, i])),
      };
      const text = `Authorization (base64): ${encoded.join(' | ')}`;
      const headers = { 'x-echo': encoded[2] as string };
      const asJson = redactError({ response: { data, headers } }, both);
      const asText = redactError({ response: { data: text } }, both);
      expect(showsNone(JSON.stringify([asJson, asText]))).toEqual([]);
      expect(data.values).toEqual(encoded.map(() => `echo: ${REDACTED};`));
      expect(asText.response.data).toBe(`Authorization (base64): ${encoded.map(() => REDACTED).join(' | ')}`);
      expect(headers['x-echo']).toBe(REDACTED);
    });

    it('responseType arraybuffer: an ArrayBuffer or Buffer quoting it (raw, Base64) becomes a copy without it, other bytes kept', () => {
      const binary = Buffer.from([0x00, 0x80, 0x9f, 0xff, 0xc3, 0x28]); // not UTF-8, not windows-1252-safe
      const body = Buffer.concat([
        binary,
        Buffer.from(`{"refused":"${header}","b64":"${Buffer.from(header).toString('base64url')}"}`),
        binary,
      ]);
      const expected = Buffer.concat([
        binary,
        Buffer.from(`{"refused":"${REDACTED}","b64":"${REDACTED}"}`),
        binary,
      ]);
      const asBuffer = redactError({ response: { data: Buffer.from(body) } }, both);
      const arrayBuffer = new Uint8Array(body).buffer;
      const asArrayBuffer = redactError({ response: { data: arrayBuffer } }, both);
      expect(Buffer.isBuffer(asBuffer.response.data)).toBe(true);
      expect(asArrayBuffer.response.data).toBeInstanceOf(ArrayBuffer);
      expect(Buffer.from(asBuffer.response.data).equals(expected)).toBe(true);
      expect(Buffer.from(asArrayBuffer.response.data).equals(expected)).toBe(true);
      expect(showsNone(Buffer.from(asArrayBuffer.response.data).toString('latin1'))).toEqual([]);
      // Nothing of ours in it: the very object the caller asked for.
      const clean = Buffer.from(binary);
      expect(redactError({ response: { data: clean } }, both).response.data).toBe(clean);
    });

    it('a DataView, a Uint16Array, a SharedArrayBuffer or another realm’s ArrayBuffer (a transformResponse’s) quoting it: a copy without it', () => {
      const body = Buffer.from(`\x80 refused: ${header} \xff`, 'latin1'); // an even length: a Uint16Array holds it
      const expected = Buffer.from(`\x80 refused: ${REDACTED} \xff`, 'latin1');
      const shared = new SharedArrayBuffer(body.length);
      new Uint8Array(shared).set(body);
      const foreign = runInNewContext(`new ArrayBuffer(${body.length})`) as ArrayBuffer;
      new Uint8Array(foreign).set(body);
      const offset = new Uint8Array(body.length + 4);
      offset.set(body, 2); // a view into the middle of a larger buffer: only its bytes
      const given = {
        dataView: new DataView(offset.buffer, 2, body.length),
        uint16: new Uint16Array(new Uint8Array(body).buffer),
        shared,
        foreign,
      };
      for (const [kind, data] of Object.entries(given)) {
        const { response } = redactError({ response: { data: data as unknown } }, both);
        const out = response.data as ArrayBuffer | DataView;
        if (kind === 'dataView') expect(out).toBeInstanceOf(DataView);
        const bytes = ArrayBuffer.isView(out)
          ? Buffer.from(out.buffer, out.byteOffset, out.byteLength)
          : Buffer.from(out);
        expect([kind, bytes.equals(expected)]).toEqual([kind, true]);
        expect(showsNone(bytes.toString('latin1'))).toEqual([]);
      }
    });

    it('a 4 MiB arraybuffer body quoting it is redacted in place of the token, every other byte kept (read in chunks, not byte by byte)', () => {
      const body = Buffer.alloc(4 * 1024 * 1024, 'binary \x00\xff', 'latin1');
      body.write(header, 1000);
      const expected = Buffer.concat([
        body.subarray(0, 1000),
        Buffer.from(REDACTED),
        body.subarray(1000 + header.length),
      ]);
      const { response } = redactError({ response: { data: body } }, both);
      // How long it takes is measured by no test (performance is not timed in tests): what it gives back is.
      expect(Buffer.isBuffer(response.data)).toBe(true);
      expect((response.data as Buffer).equals(expected)).toBe(true);
    }, 30_000);
  });
});
