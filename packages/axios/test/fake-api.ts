import { type AxiosAdapter, AxiosError, type InternalAxiosRequestConfig } from 'axios';

/** One request that reached the fake adapter. */
export interface FakeCall {
  url: string;
  authorization: string | undefined;
  config: InternalAxiosRequestConfig;
}

/** What the fake API answers. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  data?: unknown;
}

/**
 * An axios adapter that records every request and answers with `respond(call)` (200 by default),
 * rejecting non-2xx answers the way axios's own adapters do.
 */
export function fakeApi(
  respond: (call: FakeCall) => FakeAnswer | Promise<FakeAnswer> = () => ({ status: 200 }),
) {
  const calls: FakeCall[] = [];
  const adapter: AxiosAdapter = async (config) => {
    const authorization = config.headers.get('Authorization');
    const call: FakeCall = {
      url: `${config.baseURL ?? ''}|${config.url ?? ''}`,
      authorization: typeof authorization === 'string' ? authorization : undefined,
      config,
    };
    calls.push(call);
    const answer = await respond(call);
    const response = {
      data: answer.data ?? { ok: true },
      status: answer.status,
      statusText: String(answer.status),
      headers: { ...answer.headers }, // plain: any axios version converts it
      config,
      request: {},
    };
    if (answer.status >= 200 && answer.status < 300) return response;
    throw new AxiosError(
      `Request failed with status code ${answer.status}`,
      'ERR_BAD_REQUEST',
      config,
      {},
      response,
    );
  };
  return { adapter, calls };
}

/** A controllable clock: tests move time, nothing sleeps. */
export function testClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: (): number => now,
    advance: (ms: number): void => {
      now += ms;
    },
  };
}
