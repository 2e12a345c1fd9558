/**
 * What may reach the logs. Bodies, tokens and query parameters never do:
 * a TypeORM QueryFailedError carries the statement's `parameters` (a device token, a password
 * hash) and pg errors a `detail` with the offending value; a request path can carry a push token.
 */

export interface LoggableError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

/**
 * type, message, code and stack of an error; never its parameters, detail or driver error.
 * It is also the logger's `err` serializer, so it runs again over whatever a call site put under
 * `err`: an already loggable object or a bare message keeps what it says (those were once all
 * logged as "non-Error thrown"), and a thrown non-Error keeps its message and code.
 */
export function loggableError(err: unknown): LoggableError {
  if (err instanceof Error) return pick(err.name, err.message, (err as { code?: unknown }).code, err.stack);
  if (typeof err === 'string') return { type: 'string', message: err };
  if (typeof err === 'object' && err !== null) {
    const o = err as { type?: unknown; name?: unknown; message?: unknown; code?: unknown; stack?: unknown };
    const type = typeof o.type === 'string' ? o.type : typeof o.name === 'string' ? o.name : 'object';
    if (typeof o.message === 'string') return pick(type, o.message, o.code, o.stack);
    if (typeof o.code === 'string') return { type, message: 'non-Error thrown', code: o.code };
    return { type, message: 'non-Error thrown' };
  }
  return { type: typeof err, message: String(err) };
}

function pick(type: string, message: string, code: unknown, stack: unknown): LoggableError {
  return {
    type,
    message,
    code: typeof code === 'string' ? code : undefined,
    stack: typeof stack === 'string' ? stack : undefined,
  };
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
