import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { repoRoot } from './repo-root.js';

/** Debian's Chromium; never a downloaded browser. */
export const chromiumPath = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Debian Chromium through playwright-core, installing the `chromium` package first
 * (`.ci/ensure-system-packages.sh`, apt-get) when it is missing. Without the back/forward cache unless
 * `backForwardCache` is set (it needs http(s) pages without an `unload` handler).
 *
 * @throws {Error} Chromium is missing and could not be installed.
 */
export async function launchChromium(
  options: {
    /** Keep Chromium's back/forward cache, which playwright-core turns off by default. @default false */
    backForwardCache?: boolean;
  } = {},
): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    const result = spawnSync('bash', ['.ci/ensure-system-packages.sh'], { cwd: repoRoot, stdio: 'inherit' });
    if (result.status !== 0 || !existsSync(chromiumPath)) {
      throw new Error(
        `${chromiumPath} is missing and apt-get could not install it: run "apt-get install chromium" as root.`,
      );
    }
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: CHROMIUM_ARGS,
    ...(options.backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
  });
}
