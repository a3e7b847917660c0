import { AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { copyHeaders, deleteHeader, getHeader, setHeader } from './request-headers.js';

describe('request headers', () => {
  it('reads, writes and removes a header on AxiosHeaders, case-insensitively', () => {
    const headers = new AxiosHeaders({ authorization: 'Basic x' });
    expect(getHeader(headers, 'Authorization')).toBe('Basic x');
    setHeader(headers, 'Authorization', 'Bearer t');
    expect(headers.toJSON()).toEqual({ authorization: 'Bearer t' });
    deleteHeader(headers, 'AUTHORIZATION');
    expect(getHeader(headers, 'Authorization')).toBeUndefined();
  });

  it('does the same on a plain object, replacing any spelling', () => {
    const headers: Record<string, unknown> = { AUTHORIZATION: 'Basic x', Accept: 'a' };
    expect(getHeader(headers, 'authorization')).toBe('Basic x');
    setHeader(headers, 'Authorization', 'Bearer t');
    expect(headers).toEqual({ Accept: 'a', Authorization: 'Bearer t' });
    deleteHeader(headers, 'authorization');
    expect(headers).toEqual({ Accept: 'a' });
    expect(getHeader(undefined, 'Authorization')).toBeUndefined();
  });

  it('copies headers into an independent object of the same kind', () => {
    const axiosHeaders = new AxiosHeaders({ Accept: 'a' });
    const copy = copyHeaders(axiosHeaders);
    copy.set('Accept', 'b');
    expect([copy instanceof AxiosHeaders, axiosHeaders.get('Accept')]).toEqual([true, 'a']);
    const plain = { Accept: 'a' };
    const plainCopy = copyHeaders(plain);
    plainCopy.Accept = 'b';
    expect(plain.Accept).toBe('a');
  });
});
