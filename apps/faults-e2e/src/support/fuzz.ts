/**
 * Seeded random payloads for the fuzz pass: random JSON of every shape, hostile strings and
 * numbers, and mutations of valid payloads (so that some get past validation and reach the
 * services behind it).
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** mulberry32 */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  '%00',
  '%',
  '%ZZ',
  "' OR 1=1 --",
  '"; DROP TABLE messages; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(5000),
  'a'.repeat(65),
  'a'.repeat(4097),
  '\u202e\u0644\u0627',
  '0',
  '-1',
  '1e309',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '7b0d3c52-1a7e-4f4e-9d57-5e0f0c2b9a11',
  'Bearer ',
];

const NASTY_NUMBERS = [
  0,
  -0,
  -1,
  1,
  1.5,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
];

export function randomString(rng: Rng, known: string[] = []): string {
  const r = rng.next();
  if (r < 0.35) return rng.pick(NASTY_STRINGS);
  if (r < 0.55 && known.length > 0) return rng.pick(known);
  const len = rng.pick([1, 5, 36, 64, 100, 1000]);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(rng.chance(0.9) ? 32 + rng.int(95) : rng.int(0xffff));
  return s;
}

export function randomValue(rng: Rng, depth = 0, known: string[] = []): unknown {
  const r = rng.next();
  if (depth > 3 || r < 0.35) {
    switch (rng.int(5)) {
      case 0:
        return randomString(rng, known);
      case 1:
        return rng.pick(NASTY_NUMBERS);
      case 2:
        return rng.chance(0.5);
      case 3:
        return null;
      default:
        return randomString(rng, known);
    }
  }
  if (r < 0.65) return Array.from({ length: rng.int(6) }, () => randomValue(rng, depth + 1, known));
  const o: Record<string, unknown> = {};
  const n = rng.int(6);
  for (let i = 0; i < n; i++)
    o[
      rng.chance(0.3) ? rng.pick(['__proto__', 'constructor', 'chatId', 'userIds', 'body', 'token']) : randomString(rng)
    ] = randomValue(rng, depth + 1, known);
  return o;
}

/** Deeply nested arrays, as text (JSON.stringify would recurse). */
export function nestedJson(depth: number, leaf = '"x"'): string {
  return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

/** A valid payload with one thing broken (or none): a removed field, a wrong type, an extra field. */
export function mutate(rng: Rng, valid: Record<string, unknown>, known: string[]): unknown {
  const copy: Record<string, unknown> = { ...valid };
  const keys = Object.keys(copy);
  switch (rng.int(6)) {
    case 0:
      return copy;
    case 1:
      delete copy[rng.pick(keys)];
      return copy;
    case 2:
      copy[rng.pick(keys)] = randomValue(rng, 2, known);
      return copy;
    case 3:
      copy[randomString(rng)] = randomValue(rng, 2, known);
      return copy;
    case 4:
      return randomValue(rng, 0, known);
    default:
      return rng.pick([undefined, null, 42, 'text', [], [copy], true]);
  }
}
