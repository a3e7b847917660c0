import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { repoRoot } from './repo-root.js';

/** Saves a full-page PNG to `.artifacts/screenshots/<name>.png` at the repository root; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = `${repoRoot}.artifacts/screenshots`;
  await mkdir(dir, { recursive: true });
  const path = `${dir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
