import { describe, expect, it } from 'vitest';
import { isTesseraError } from './guards.js';
import { RateLimitError } from './rate-limit-error.js';
import { TesseraError } from './tessera-error.js';

describe('isTesseraError', () => {
  it('recognises an error of a package core does not know, by the brand alone', () => {
    class WidgetError extends TesseraError {
      constructor() {
        super('WIDGET_BROKEN' as never, 'The widget broke');
        this.name = 'WidgetError';
      }
    }
    expect(isTesseraError(new WidgetError())).toBe(true);
    expect(isTesseraError(new WidgetError(), 'WIDGET_BROKEN' as never)).toBe(true);
    expect(isTesseraError(new WidgetError(), 'RATE_LIMITED')).toBe(false);
  });

  it('recognises an error from a duplicate copy of core (same global brand, another class)', () => {
    const foreign = Object.assign(new Error('x'), { name: 'RateLimitError', code: 'RATE_LIMITED' });
    expect(isTesseraError(foreign)).toBe(false);
    Object.defineProperty(foreign, Symbol.for('tessera.error'), { value: true });
    expect(isTesseraError(foreign, 'RATE_LIMITED')).toBe(true);
  });

  it('narrows by code and rejects look-alikes without the brand', () => {
    expect(isTesseraError(new RateLimitError('test'), 'RATE_LIMITED')).toBe(true);
    expect(isTesseraError({ name: 'TesseraError', code: 'TIMEOUT' })).toBe(false);
    expect(isTesseraError(null)).toBe(false);
  });

  it('keeps the brand out of the error’s own properties, so logs do not show it', () => {
    expect(Object.getOwnPropertySymbols(new RateLimitError('test'))).toEqual([]);
  });
});
