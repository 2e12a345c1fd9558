/** Error codes of docs/protocol.md, shared by HTTP, Socket.IO and NATS replies. */
export const ErrorCodes = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

export const HttpStatusByCode: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ErrorCodes as readonly string[]).includes(value);
}

/**
 * The one error type services throw for expected failures. It crosses NATS as
 * `{code, message}` and becomes docs/protocol.md's error shape at the edge.
 */
export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ParleyError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }

  static isBody(value: unknown): value is ErrorBody {
    return (
      typeof value === 'object' &&
      value !== null &&
      isErrorCode((value as ErrorBody).code) &&
      typeof (value as ErrorBody).message === 'string'
    );
  }
}
