/**
 * What may reach the logs. Bodies, tokens and query parameters never do:
 * a TypeORM QueryFailedError carries the statement's `parameters` (a device token, a password
 * hash) and pg errors a `detail` with the offending value; a request path can carry a push token.
 */

/** type, message, code and stack of an error; never its parameters, detail or driver error. */
export function loggableError(err: unknown): { type: string; message: string; code?: string; stack?: string } {
  if (!(err instanceof Error)) return { type: typeof err, message: 'non-Error thrown' };
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, code: typeof code === 'string' ? code : undefined, stack: err.stack };
}

/** Paths whose last segment is a secret the client chose (a push token). */
const SECRET_SEGMENTS = [/^(\/v1\/devices\/)[^/?]+/];

/** The request path without its query, secret segments replaced. */
export function loggablePath(url: string | undefined): string | undefined {
  let path = url?.split('?')[0];
  if (path === undefined) return path;
  for (const re of SECRET_SEGMENTS) path = path.replace(re, '$1[redacted]');
  return path;
}
