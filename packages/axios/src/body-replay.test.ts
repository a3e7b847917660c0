import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedInManagers } from '../test/signed-in-managers.js';
import { attachTokenManager } from './attach-token-manager.js';

const origin = 'https://api.example.com';
const tokenUrl = 'https://auth.example.com/token';

let issued = 0;
/** What each request to /upload carried: its token, its content type, and its body as the server read it. */
const uploads: Array<{ authorization: string | null; type: string; body: string }> = [];

const server = setupServer(
  http.post(tokenUrl, () => {
    issued += 1;
    return HttpResponse.json({ access_token: `at-${issued}`, token_type: 'Bearer', expires_in: 300 });
  }),
  http.post(`${origin}/upload`, async ({ request }) => {
    const authorization = request.headers.get('authorization');
    const type = request.headers.get('content-type') ?? '';
    // multipart: the fields the server parsed (a boundary that does not match the body parses to nothing)
    const body = type.startsWith('multipart/form-data')
      ? JSON.stringify([...(await request.formData()).entries()].map(([k, v]) => [k, String(v)]))
      : (await request.text()).replace(/formdata-undici-\d+/g, 'formdata-undici-…'); // fetch re-serialises: a new boundary
    uploads.push({ authorization, type: type.replace(/boundary=.*/, 'boundary=…'), body });
    return authorization === 'Bearer at-0'
      ? new HttpResponse(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        })
      : HttpResponse.json({ ok: true });
  }),
);

const { manager, disposeAll } = signedInManagers(tokenUrl);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  disposeAll();
  uploads.length = 0;
  issued = 0;
});
afterAll(() => server.close());

function form(): FormData {
  const data = new FormData();
  data.append('name', 'report');
  data.append('file', new Blob(['a,b\n1,2\n'], { type: 'text/csv' }), 'report.csv');
  return data;
}

const bodies: Array<[string, () => unknown]> = [
  ['FormData', form],
  ['Blob', () => new Blob(['{"a":1}'], { type: 'application/json' })],
  ['URLSearchParams', () => new URLSearchParams({ q: 'a b', n: '1' })],
  ['a plain object (JSON)', () => ({ a: 1, b: [2, 3] })],
  ['a string', () => 'plain text'],
  ['a Uint8Array', () => new TextEncoder().encode('bytes')],
  ['an ArrayBuffer', () => new TextEncoder().encode('buffer').buffer],
];

const clients = (['fetch', 'http'] as const).flatMap((adapter) => [
  [`axios (newest), the ${adapter} adapter`, () => axios.create({ baseURL: origin, adapter })] as const,
  [
    `axios 1.12.0 (the oldest supported), the ${adapter} adapter`,
    () => axios112.create({ baseURL: origin, adapter }) as unknown as AxiosInstance,
  ] as const,
]);

describe.each(clients)('bodies replayed after a 401 with %s (msw)', (_client, create) => {
  it.each(bodies)(
    'sends %s again with the same content and content type, after one refresh',
    async (_name, body) => {
      const api = create();
      attachTokenManager(api, await manager());
      await expect(api.post('/upload', body())).resolves.toMatchObject({ status: 200 });
      expect(issued).toBe(1);
      expect(uploads.map((upload) => upload.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
      const [first, replay] = uploads;
      expect(first?.body).not.toBe('');
      expect(first?.body).not.toBe('[]');
      expect(replay).toEqual({ ...first, authorization: 'Bearer at-1' });
    },
  );
});
