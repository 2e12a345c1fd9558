import { ParleyError } from '@parley/contracts';

export interface PayloadShapeLimits {
  maxDepth: number;
  /** Keys and array items counted over the whole payload. */
  maxNodes: number;
}

/** Keys no docs/protocol.md payload has, and that trip prototype-walking code (class-transformer). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a payload nested deeper than `maxDepth`, holding more than `maxNodes` values, or
 * with a `__proto__` / `constructor` / `prototype` key, before any validator walks it:
 * class-transformer recurses into every nested object (a 64 kB payload of 30,000 nested
 * arrays overflows the stack) and follows those keys. Iterative on purpose.
 */
export function assertPayloadShape(payload: unknown, limits: PayloadShapeLimits): void {
  const stack: [unknown, number][] = [[payload, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.maxDepth)
      throw new ParleyError('invalid', `payload is nested deeper than ${limits.maxDepth} levels`);
    if (!Array.isArray(value)) {
      for (const key of Object.keys(value))
        if (FORBIDDEN_KEYS.has(key)) throw new ParleyError('invalid', `payload has a forbidden key: ${key}`);
    }
    const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    nodes += children.length;
    if (nodes > limits.maxNodes) throw new ParleyError('invalid', 'payload has too many fields');
    for (const child of children) stack.push([child, depth + 1]);
  }
}
