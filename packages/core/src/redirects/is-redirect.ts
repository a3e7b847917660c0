/**
 * Whether `response` is a redirect a fetch would follow: 301, 302, 303, 307 or 308 with a
 * `Location` header (a 304, or a 3xx without `Location`, is a final response).
 */
export function isRedirect(response: Response): boolean {
  const { status } = response;
  return (
    (status === 301 || status === 302 || status === 303 || status === 307 || status === 308) &&
    response.headers.has('location')
  );
}
