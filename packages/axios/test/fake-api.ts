import { type FetchTokens, TokenManager } from '@tessera/core';
import { type AxiosAdapter, AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { vi } from 'vitest';

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

/** A promise whose settling the test controls. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
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

/**
 * A TokenManager whose token requests answer `at-1`, `at-2`… (300 s lifetime), optionally held
 * until `gate` resolves. Starts with `at-0`, valid for 300 s on `clock`.
 */
export async function countingTokens(
  options: {
    clock?: () => number;
    gate?: Promise<unknown>;
    tokenTypes?: readonly string[];
    /** The `token_type` of every set. @default 'Bearer' */
    tokenType?: string;
  } = {},
) {
  let issued = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => {
    issued += 1;
    const n = issued;
    await options.gate;
    return {
      access_token: `at-${n}`,
      token_type: options.tokenType ?? 'Bearer',
      expires_in: 300,
      refresh_token: 'rt',
    };
  });
  const tokens = new TokenManager({
    fetchTokens,
    retry: false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tokenTypes ? { tokenTypes: options.tokenTypes } : {}),
  });
  await tokens.setTokens({
    access_token: 'at-0',
    expires_in: 300,
    refresh_token: 'rt',
    ...(options.tokenType ? { token_type: options.tokenType } : {}),
  });
  return { tokens, fetchTokens };
}
