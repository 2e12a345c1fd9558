import {
  optionalInt,
  pageLimit,
  requireInt,
  requireObject,
  requireText,
  requireUuid,
  requireUuidList,
} from './request-checks';

const id = 'A1B2C3D4-1111-4222-8333-444455556666';
const invalid = expect.objectContaining({ code: 'invalid' });

describe('request checks', () => {
  it('accepts and lower-cases UUIDs; rejects anything else', () => {
    expect(requireUuid(id, 'x')).toBe(id.toLowerCase());
    for (const bad of ['', 'abc', `${id}0`, 42, null, undefined, {}])
      expect(() => requireUuid(bad, 'x')).toThrow(invalid);
  });

  it('dedupes UUID lists and bounds their size', () => {
    expect(requireUuidList([id, id.toLowerCase()], 'ids', 5)).toEqual([id.toLowerCase()]);
    expect(() => requireUuidList([], 'ids', 5, 1)).toThrow(invalid);
    expect(() => requireUuidList([id, id, id], 'ids', 2)).toThrow(invalid);
    expect(() => requireUuidList('x', 'ids', 2)).toThrow(invalid);
    expect(() => requireUuidList([id, 'x'], 'ids', 2)).toThrow(/ids\[1\] must be a UUID/);
  });

  it('counts code points, not UTF-16 units, and refuses NUL in stored text', () => {
    expect(requireText('😀'.repeat(3), 't', 1, 3)).toBe('😀😀😀');
    expect(() => requireText('😀'.repeat(4), 't', 1, 3)).toThrow(invalid);
    expect(() => requireText('', 't', 1, 3)).toThrow(invalid);
    expect(() => requireText('a\u0000', 't', 1, 3)).toThrow(/NUL/);
    expect(requireText('a\u0000', 'body', 1, 3, { allowNul: true })).toBe('a\u0000');
    expect(() => requireText(5, 't', 1, 3)).toThrow(invalid);
  });

  it('takes safe integers in range only', () => {
    expect(requireInt(1, 'n', 1)).toBe(1);
    for (const bad of [0, 1.5, '2', NaN, Infinity, 2 ** 60]) expect(() => requireInt(bad, 'n', 1)).toThrow(invalid);
    expect(optionalInt(undefined, 'n', 0)).toBeUndefined();
    expect(optionalInt(null, 'n', 0)).toBeUndefined();
    expect(optionalInt(0, 'n', 0)).toBe(0);
  });

  it('takes a page limit from 1 to its maximum, its default when absent', () => {
    expect(pageLimit(undefined, { defaultLimit: 100, maxLimit: 500 })).toBe(100);
    expect(pageLimit(null, { maxLimit: 1000 })).toBe(1000);
    expect(pageLimit(500, { defaultLimit: 100, maxLimit: 500 })).toBe(500);
    for (const bad of [0, 501, 2.5, '10']) expect(() => pageLimit(bad, { maxLimit: 500 })).toThrow(invalid);
    expect(() => pageLimit(501, { maxLimit: 500 })).toThrow('limit must be an integer 1-500');
  });

  it('wants an object request', () => {
    for (const bad of [null, 'x', [], 3]) expect(() => requireObject(bad)).toThrow(invalid);
  });
});
