/** Whether `status` is one a client follows when the response has a `Location`: 301, 302, 303, 307, 308. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * Whether `response` is a redirect a fetch would follow: 301, 302, 303, 307 or 308 with a
 * `Location` header (a 304, or a 3xx without `Location`, is a final response).
 */
export function isRedirect(response: Response): boolean {
  return isRedirectStatus(response.status) && response.headers.has('location');
}
