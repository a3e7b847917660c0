export { type AppConfig, type AppEnv, type MockServerConfig, readConfig } from './config.js';
export { createSession, type Session } from './create-session.js';
export { describeEvent, errorCode } from './describe-event.js';
export { describeExpiresIn } from './describe-expires-in.js';
export { describeParallelCalls } from './describe-parallel-calls.js';
export {
  callErrorCode,
  fireParallelCalls,
  PARALLEL_CALLS,
  type ParallelCallsResult,
} from './fire-parallel-calls.js';
// Type only: the mock server (and msw with it) is loaded by `startApp` with a dynamic import.
export type { MockServer } from './mock-server.js';
export { signInError } from './sign-in-error.js';
export { signInNotice } from './sign-in-notice.js';
export { type StartedApp, startApp } from './start-app.js';
export { initialTokenSession, nextTokenSession, type TokenSession } from './token-session.js';
export { tokenSubject } from './token-subject.js';
