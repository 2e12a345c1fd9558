import { ParleyError, codePointLength } from '@parley/contracts';

// The gateway validates shapes before calling; these re-checks are cheap and keep a
// bad request from ever reaching PostgreSQL as anything but `invalid`.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function invalid(message: string): ParleyError {
  return new ParleyError('invalid', message);
}

export function requireObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('request must be an object');
  return value as Record<string, unknown>;
}

/** A UUID, lower-cased so it compares equal to what PostgreSQL returns. */
export function requireUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(`${field} must be a UUID`);
  return value.toLowerCase();
}

export function requireUuidList(value: unknown, field: string, max: number, min = 0): string[] {
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of UUIDs`);
  if (value.length < min || value.length > max)
    throw invalid(`${field} must hold ${min > 0 ? `${min}-${max}` : `at most ${max}`} ids`);
  return [...new Set(value.map((v, i) => requireUuid(v, `${field}[${i}]`)))];
}

/**
 * Lengths in code points, as docs/protocol.md counts. NUL cannot be stored in a text
 * column, so it is refused unless the value is stored encrypted (`allowNul`).
 */
export function requireText(
  value: unknown,
  field: string,
  min: number,
  max: number,
  options: { allowNul?: boolean } = {},
): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  const n = codePointLength(value);
  if (n < min || n > max) throw invalid(`${field} must be ${min}-${max} characters`);
  if (!options.allowNul && value.includes('\u0000')) throw invalid(`${field} must not contain NUL characters`);
  return value;
}

export function requireInt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${field} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`}`);
  }
  return value;
}

export function optionalInt(value: unknown, field: string, min: number): number | undefined {
  return value === undefined || value === null ? undefined : requireInt(value, field, min);
}

/** A page's `limit`: an integer 1 to `maxLimit`; absent, `defaultLimit` (or `maxLimit` when there is none). */
export function pageLimit(value: unknown, limits: { defaultLimit?: number; maxLimit: number }): number {
  const limit = optionalInt(value, 'limit', 1) ?? limits.defaultLimit ?? limits.maxLimit;
  if (limit > limits.maxLimit) throw invalid(`limit must be an integer 1-${limits.maxLimit}`);
  return limit;
}

export function requireOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`${field} must be true or false`);
  return value;
}
