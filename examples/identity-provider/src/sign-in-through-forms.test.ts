import { describe, expect, it } from 'vitest';
import { readFormPost } from './sign-in-through-forms.js';

const ISSUER = 'http://127.0.0.1:4400';
const CODE = 'secret-code-Dbylm6NpwutwKgOULwM7H9M7hZeH00BjNjnFTGQqoaU';

/** oidc-provider's form_post page, posting a code to `action` (already HTML-escaped). */
function page(action: string): string {
  return `<form method="post" action="${action}">
    <input type="hidden" name="code" value="${CODE}"/>
    <input type="hidden" name="state" value="st&amp;1"/>
  </form>`;
}

describe('readFormPost', () => {
  it('reads the action with the hidden fields as its query', () => {
    const url = readFormPost(page('https://app.example.test/cb?tenant=a'), ISSUER);
    expect(url?.href).toBe(`https://app.example.test/cb?tenant=a&code=${CODE}&state=st%261`);
  });

  it('a malformed action: a TypeError saying the form action is not a URL, not a bare "Invalid URL", without the action or the code', () => {
    const action = 'http://[app.example.test/cb?token=hush';
    let thrown: unknown;
    try {
      readFormPost(page(action), ISSUER);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    const { message } = thrown as TypeError;
    expect(message).toBe(
      "readFormPost: the form_post page's form action is not a URL (its redirect_uri is malformed)",
    );
    expect(message).not.toContain('hush');
    expect(message).not.toContain(CODE);
    expect((thrown as Error).cause).toBeUndefined();
  });

  it('an origin that is not an absolute URL: a TypeError naming origin', () => {
    expect(() => readFormPost(page('https://app.example.test/cb'), '127.0.0.1:4400')).toThrow(
      new TypeError(
        "readFormPost(html, origin): origin must be an absolute URL, e.g. 'http://127.0.0.1:4400'",
      ),
    );
  });
});
