import { HttpException, HttpStatus } from '@nestjs/common';
import { ParleyError, type ErrorCode } from '@parley/contracts';
import { isDatabaseUnavailable } from './database-errors';

const codeByStatus: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'invalid',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'unavailable',
};

/** Body-parser errors carry a `type` and status, not an HttpException. */
interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

/** Turns anything thrown into docs/protocol.md's error, or null for an unexpected fault. */
export function toParleyError(err: unknown): ParleyError | null {
  if (err instanceof ParleyError) return err;
  if (err instanceof HttpException) {
    const code = codeByStatus[err.getStatus()];
    if (!code) return null;
    const response = err.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String(Array.isArray(response.message) ? response.message.join('; ') : response.message)
        : err.message;
    return new ParleyError(code, message);
  }
  // The database down, partitioned or timing out: retry later (the pools' timeouts end the wait).
  if (isDatabaseUnavailable(err)) return new ParleyError('unavailable', 'a database is unavailable; retry');
  const bp = err as BodyParserError;
  if (bp && typeof bp === 'object' && typeof bp.type === 'string') {
    if (bp.type === 'entity.too.large') return new ParleyError('payload_too_large', 'request body too large');
    if (bp.type === 'entity.parse.failed') return new ParleyError('invalid', 'request body is not valid JSON');
    const status = bp.status ?? bp.statusCode;
    if (status && status >= 400 && status < 500) return new ParleyError('invalid', 'malformed request body');
  }
  return null;
}
