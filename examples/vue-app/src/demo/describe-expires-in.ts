/** The session panel's countdown, e.g. `27 s`: whole seconds until `expiresAt` (epoch ms), `never` without one. */
export function describeExpiresIn(expiresAt: number | undefined, now: number): string {
  return expiresAt === undefined ? 'never' : `${Math.max(0, Math.ceil((expiresAt - now) / 1000))} s`;
}
