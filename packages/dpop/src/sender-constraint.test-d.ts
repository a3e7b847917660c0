import { expectTypeOf, test } from 'vitest';
import { createDPoP } from './create-dpop.js';
import type { SenderConstraint } from './sender-constraint.js';

test('a DPoP instance is a SenderConstraint the transports can take structurally', () => {
  const dpop = createDPoP();
  expectTypeOf(dpop).toExtend<SenderConstraint>();
  expectTypeOf(dpop.headersFor).returns.resolves.toEqualTypeOf<{ DPoP: string }>();
  expectTypeOf(dpop.scheme).toEqualTypeOf<'DPoP'>();
  // A transport declares its own structural copy and needs no import of @tessera/dpop.
  type TransportHook = {
    readonly scheme: string;
    headersFor(request: {
      method: string;
      url: string;
      accessToken: string;
    }): Promise<Record<string, string>>;
    learn(response: { url: string; status: number; headers: Headers }): void;
    isNonceChallenge(
      response: { url: string; status: number; headers: Headers },
      sent: Record<string, string>,
    ): boolean;
  };
  expectTypeOf(dpop).toExtend<TransportHook>();
});
