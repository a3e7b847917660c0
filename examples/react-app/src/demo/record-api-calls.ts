import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { callErrorCode } from './fire-parallel-calls.js';
import type { RequestTimeline } from './request-timeline.js';

/** Where a call's number is kept on its axios config; a replay is a copy of the config, so it keeps it. */
const CALL_NUMBER = 'timelineCall';

/**
 * Adds a row to `timeline` for every request `api` sends, with the token its `Authorization` header
 * carried and, once it is answered, its status. Wraps the instance's adapter, so it sees exactly what
 * goes on the wire, after `@tessera/axios` set the header; a 401's replay (a copy of the config,
 * which keeps the call's number) gets a `replay` row.
 */
export function recordApiCalls(timeline: RequestTimeline, api: AxiosInstance): void {
  const send = axios.getAdapter(api.defaults.adapter);
  let calls = 0;
  api.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    const numbered = config as InternalAxiosRequestConfig & { [CALL_NUMBER]?: number };
    const replay = numbered[CALL_NUMBER] !== undefined;
    if (!replay) {
      calls += 1;
      numbered[CALL_NUMBER] = calls;
    }
    const id = timeline.add({
      kind: replay ? 'replay' : 'call',
      label: `${(config.method ?? 'get').toUpperCase()} ${pathOf(config)}`,
      status: '…',
      accessToken: bearerToken(config),
    });
    try {
      const response = await send(config);
      timeline.settle(id, String(response.status));
      return response;
    } catch (error) {
      timeline.settle(id, callErrorCode(error));
      throw error;
    }
  };
}

/** The token of `Authorization: Bearer <token>` or `Authorization: DPoP <token>`. */
function bearerToken(config: InternalAxiosRequestConfig): string | undefined {
  const value = config.headers?.get?.('Authorization');
  const match = typeof value === 'string' ? /^(?:bearer|dpop) (.+)$/i.exec(value) : null;
  return match?.[1];
}

function pathOf(config: InternalAxiosRequestConfig): string {
  try {
    return new URL(config.url ?? '', config.baseURL ?? 'http://invalid').pathname;
  } catch {
    return config.url ?? '';
  }
}
