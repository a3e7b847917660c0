export type {
  AuthorizationRequestLogEntry,
  AuthServer,
  IssueTokensOptions,
  RevocationRequestLogEntry,
  TokenRequestLogEntry,
} from './auth-server.js';
export {
  type AuthServerOptions,
  authServerDefaults,
  type TestClient,
  type TestUser,
} from './auth-server-options.js';
export type { AuthorizeOptions } from './authorize.js';
export { createAuthServer } from './create-auth-server.js';
export { failUnhandledRequest } from './fail-unhandled-request.js';
export type { TokenFailure } from './failure-plan.js';
export type { IssuedTokenResponse } from './issued-token-response.js';
export type { ApiAuthorization, ApiRequestLogEntry, ProtectedApiOptions } from './protected-api.js';
export type { HeldRequest } from './request-hold.js';
export { createTestClock, type TestClock } from './test-clock.js';
