import { HttpStatusByCode, ParleyError } from '@parley/contracts';
import type { NextFunction, Request, Response } from 'express';
import { assertPayloadShape, type PayloadShapeLimits } from './payload-shape';

/** U+0000 can never be stored in PostgreSQL text, and no HTTP input of Parley carries it. */
const NUL = '\u0000';

export function hasNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes(NUL)) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes(NUL)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

function decodedPath(req: Request): string {
  try {
    return decodeURIComponent(req.path);
  } catch {
    return req.path; // malformed escapes: Express answers them itself
  }
}

/** Deeper or larger than any body of docs/protocol.md. */
const DEFAULT_BODY_SHAPE_LIMITS: PayloadShapeLimits = { maxDepth: 8, maxNodes: 2048 };

/**
 * Express middleware startService runs right after the JSON body parser, before Nest's routes:
 * - a body nested deeper than the limit, with too many values, or with prototype keys answers
 *   400 `invalid` before Nest's ValidationPipe walks it recursively (a 64 kB body of nested
 *   arrays overflowed its stack: a 500);
 * - a NUL character in the path, the query or the body answers 400 `invalid` (it reached
 *   PostgreSQL as a device token and came back as a 500).
 */
export function rejectHostileJsonBodies(limits: PayloadShapeLimits = DEFAULT_BODY_SHAPE_LIMITS) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      if (decodedPath(req).includes(NUL) || hasNul(req.query))
        throw new ParleyError('invalid', 'NUL characters are not allowed');
      const body: unknown = req.body;
      if (body !== undefined && body !== null && typeof body === 'object') {
        assertPayloadShape(body, limits);
        if (hasNul(body)) throw new ParleyError('invalid', 'NUL characters are not allowed');
      }
      next();
    } catch (err) {
      const error = err instanceof ParleyError ? err : new ParleyError('invalid', 'malformed request');
      res.status(HttpStatusByCode[error.code]).json({ error: error.toBody() });
    }
  };
}
