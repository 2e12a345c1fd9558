import { HttpStatusByCode, ParleyError } from '@parley/contracts';
import type { NextFunction, Request, Response } from 'express';

/** No auth body is deeper than 2 levels; these keys trip prototype-walking code. */
const MAX_DEPTH = 8;
const MAX_NODES = 2048;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Express middleware run right after the JSON body parser: a body nested too deep, too
 * large in values, or with prototype keys answers 400 `invalid` before Nest's ValidationPipe
 * walks it recursively (a 64 kB body of nested arrays overflowed its stack: a 500).
 * A NUL character anywhere answers 400 too. (The same checks guard chat-gateway; both belong
 * in libs/shared/util-service's startService.)
 */
export function rejectHostileJsonBodies() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const problem = shapeProblem(req.body) ?? (hasNul(req.body) || hasNul(req.query) || hasNul(safeDecode(req.path)) ? 'NUL characters are not allowed' : undefined);
    if (!problem) return next();
    const error = new ParleyError('invalid', problem);
    res.status(HttpStatusByCode[error.code]).json({ error: error.toBody() });
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** U+0000 can never be stored in PostgreSQL text (a login with one was a 500). */
export function hasNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** Iterative (a recursive walk is what overflowed). */
export function shapeProblem(body: unknown): string | undefined {
  const stack: [unknown, number][] = [[body, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) return `body is nested deeper than ${MAX_DEPTH} levels`;
    if (!Array.isArray(value)) {
      for (const key of Object.keys(value)) if (FORBIDDEN_KEYS.has(key)) return `body has a forbidden key: ${key}`;
    }
    const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    nodes += children.length;
    if (nodes > MAX_NODES) return 'body has too many fields';
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}
