import type { BrowserContext, Page } from 'playwright-core';

/** A token request as the embedded mock server recorded it. */
export interface RecordedTokenRequest {
  grantType: string;
  status: number;
  error?: string;
}

/** One line of the request timeline as the page shows it. */
export interface TimelineLine {
  /** `call`, `replay`, `refresh`, `stale`, `sign-in`, `sign-out`, `session-end`… */
  kind: string;
  /** How many identical consecutive rows the line stands for (`20 × GET /me`). */
  count: number;
  /** The text, e.g. `20 × GET /me (replay)`, `refresh (background)`. */
  what: string;
  /** `200`, `401`, `ok`, `invalid_grant`, `…`; empty when there is none. */
  status: string;
  /** The token's short hash (8 hex digits); empty when there is none. */
  token: string;
}

/** The `data-testid`s both examples render. */
export type ExampleTestId =
  | 'sign-in'
  | 'loading'
  | 'token-hash'
  | 'notice'
  | 'sign-in-error'
  | 'session'
  | 'user'
  | 'expires-in'
  | 'refresh-count'
  | 'token-requests'
  | 'last-event'
  | 'api-result'
  | 'parallel-result';

/**
 * Drives one example app (React or Vue: same screens, same test ids) in a browser page, and reads
 * the embedded mock server the page exposes as `window.tesseraMock`.
 */
export class ExamplePage {
  /**
   * Uncaught exceptions and console errors of the page, except Chromium's own "Failed to load
   * resource" lines for the 400s and 401s the scenarios cause on purpose.
   */
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error' || message.text().startsWith('Failed to load resource')) return;
      this.errors.push(`console.error: ${message.text()}`);
    });
  }

  /** Opens `url` in a new page of `context` and waits for the sign-in screen. */
  static async open(context: BrowserContext, url: string): Promise<ExamplePage> {
    return ExamplePage.attach(await context.newPage(), url);
  }

  /** Opens `url` in `page` and waits for the sign-in screen. */
  static async attach(
    page: Page,
    url: string,
    screen: 'sign-in' | 'session' = 'sign-in',
  ): Promise<ExamplePage> {
    const example = new ExamplePage(page);
    await example.page.goto(url);
    await example.page.getByTestId(screen).waitFor();
    return example;
  }

  /** Opens `url` in `page` and waits for the session screen (a session restored without a page). */
  static attachSignedIn(page: Page, url: string): Promise<ExamplePage> {
    return ExamplePage.attach(page, url, 'session');
  }

  /** The trimmed text of the element with `testId`; `undefined` when it is not on screen. */
  async text(testId: ExampleTestId): Promise<string | undefined> {
    const element = this.page.getByTestId(testId);
    if ((await element.count()) === 0) return undefined;
    return (await element.textContent())?.trim();
  }

  /** The number shown by a counter such as `refresh-count` or `token-requests`. */
  async count(testId: 'refresh-count' | 'token-requests'): Promise<number> {
    return Number(await this.text(testId));
  }

  /** Submits the sign-in form (prefilled with the mock server's alice / wonderland). */
  async signIn(credentials?: { username: string; password: string }): Promise<void> {
    if (credentials) {
      await this.page.getByLabel('Username').fill(credentials.username);
      await this.page.getByLabel('Password').fill(credentials.password);
    }
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Clicks the button whose accessible name starts with `name`. */
  async click(name: string): Promise<void> {
    await this.page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  }

  /** Resolves once the element with `testId` is on screen. */
  async waitFor(testId: ExampleTestId): Promise<void> {
    await this.page.getByTestId(testId).waitFor();
  }

  /**
   * What is broken in the layout at the current viewport: a button whose label wraps (taller than one
   * line of its text), a text next to a button squeezed narrower than `minTextWidth` px (the
   * "one character per line" failure), or a page wider than the viewport. Empty when all is well.
   */
  async layoutProblems(minTextWidth = 120): Promise<string[]> {
    return this.page.evaluate((minWidth) => {
      const problems: string[] = [];
      for (const button of document.querySelectorAll('button')) {
        const style = getComputedStyle(button);
        const px = (value: string): number => Number.parseFloat(value) || 0;
        const oneLine =
          px(style.lineHeight) +
          px(style.paddingTop) +
          px(style.paddingBottom) +
          px(style.borderTopWidth) +
          px(style.borderBottomWidth);
        const { height } = button.getBoundingClientRect();
        if (height > oneLine + 1) {
          problems.push(
            `button "${button.textContent?.trim()}" is ${height} px high, one line is ${oneLine} px`,
          );
        }
      }
      for (const output of document.querySelectorAll('.action output')) {
        const { width } = output.getBoundingClientRect();
        if (width < minWidth) problems.push(`"${output.textContent?.trim()}" is squeezed to ${width} px`);
      }
      const { scrollWidth, clientWidth } = document.documentElement;
      if (scrollWidth > clientWidth) problems.push(`the page is ${scrollWidth} px wide in ${clientWidth} px`);
      return problems;
    }, minTextWidth);
  }

  /** The request timeline, oldest line first. */
  async timeline(): Promise<TimelineLine[]> {
    return this.page.getByTestId('timeline-row').evaluateAll((rows) =>
      rows.map((row) => ({
        kind: row.getAttribute('data-kind') ?? '',
        count: Number(row.getAttribute('data-count')),
        what: row.querySelector('.what')?.textContent?.trim() ?? '',
        status: row.getAttribute('data-status') ?? '',
        token: row.getAttribute('data-token') ?? '',
      })),
    );
  }

  /** Every token request the page's mock server answered, in order. */
  async tokenRequests(): Promise<RecordedTokenRequest[]> {
    return this.page.evaluate(() => {
      const mock = (window as { tesseraMock?: { tokenRequests: readonly RecordedTokenRequest[] } })
        .tesseraMock;
      if (!mock)
        throw new Error('window.tesseraMock is missing: is the page running the embedded mock server?');
      return mock.tokenRequests.map(({ grantType, status, error }) => ({
        grantType,
        status,
        ...(error === undefined ? {} : { error }),
      }));
    });
  }

  /** Makes the page's mock server answer the next `count` token requests with HTTP `status` and no body. */
  async failNextTokenRequests(count: number, status: number): Promise<void> {
    await this.page.evaluate(
      ([count, status]) => {
        const mock = (
          window as {
            tesseraMock?: { failNextTokenRequests(count: number, failure: { status: number }): void };
          }
        ).tesseraMock;
        if (!mock)
          throw new Error('window.tesseraMock is missing: is the page running the embedded mock server?');
        mock.failNextTokenRequests(count, { status });
      },
      [count, status] as const,
    );
  }
}
