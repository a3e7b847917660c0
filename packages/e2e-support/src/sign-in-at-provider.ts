import type { Page } from 'playwright-core';

/**
 * On the identity provider's own login page (the app navigated there): fills in the form and signs
 * in (allowing the consent page if it shows), or presses Cancel; resolves when the browser is back
 * on `appOrigin`.
 */
export async function signInAtProvider(
  page: Page,
  appOrigin: string,
  answer: 'sign-in' | 'cancel' = 'sign-in',
  user = { username: 'alice', password: 'wonderland' },
): Promise<void> {
  const backInTheApp = (url: URL): boolean => url.origin === appOrigin;
  await page.waitForURL((url) => url.pathname.includes('/interaction/'));
  if (answer === 'cancel') {
    await page.getByRole('button', { name: 'Cancel' }).click();
  } else {
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const allow = page.getByRole('button', { name: 'Allow' });
    await Promise.race([page.waitForURL(backInTheApp).catch(() => {}), allow.waitFor().catch(() => {})]);
    if (!backInTheApp(new URL(page.url()))) await allow.click();
  }
  await page.waitForURL(backInTheApp);
}
