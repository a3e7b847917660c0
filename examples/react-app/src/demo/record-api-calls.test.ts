import axios, { type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import { recordApiCalls } from './record-api-calls.js';
import { createRequestTimeline } from './request-timeline.js';

/** An axios instance whose adapter answers 200 without a network, sending `authorization`. */
function apiSending(authorization: string | undefined) {
  const api = axios.create({
    baseURL: 'https://api.example',
    adapter: async (config: InternalAxiosRequestConfig) => ({
      data: {},
      status: 200,
      statusText: 'OK',
      headers: {},
      config,
    }),
  });
  if (authorization) api.defaults.headers.common.Authorization = authorization;
  return api;
}

describe('recordApiCalls', () => {
  it.each([
    ['Bearer at-1', true],
    ['DPoP at-1', true],
    ['dpop at-1', true],
    ['Basic dXNlcjpwYXNz', false],
    [undefined, false],
  ])(
    'shows the token of Authorization: %s as a hash, and nothing for other schemes',
    async (authorization, hashed) => {
      const timeline = createRequestTimeline({ hash: async (token) => `h(${token})` });
      const api = apiSending(authorization);
      recordApiCalls(timeline, api);

      await api.get('/me');
      await timeline.settled();

      const [row] = timeline.entries();
      expect(row).toMatchObject({ kind: 'call', label: 'GET /me', status: '200' });
      expect(row?.token).toBe(hashed ? 'h(at-1)' : undefined);
    },
  );
});
