export { type CopiedExample, copyOutExample } from './copy-out-example.js';
export { type BrowserExample, describeBrowserExample } from './describe-browser-example.js';
export { describeSignInExample } from './describe-sign-in-example.js';
export { describeStarterCopy } from './describe-starter-copy.js';
export {
  ExamplePage,
  type ExampleTestId,
  type RecordedTokenRequest,
  type TimelineLine,
} from './example-page.js';
export { freePort } from './free-port.js';
export { chromiumPath, launchChromium } from './launch-chromium.js';
export { saveScreenshot } from './save-screenshot.js';
export { type ServedExample, serveExample } from './serve-example.js';
export { serveStatic } from './serve-static.js';
export { signInAtProvider } from './sign-in-at-provider.js';
