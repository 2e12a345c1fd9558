import { jsonBytes } from './models';

describe('jsonBytes', () => {
  it('counts the UTF-8 bytes of the JSON text, escapes included', () => {
    for (const value of ['hi', '\u0001'.repeat(10), 'é', '€', '😀', { a: ['x', 1, null] }, '\ud800', 'a"b\\c\n']) {
      expect(jsonBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
    }
    expect(jsonBytes('\u0001')).toBe(8); // "\u0001" with its quotes
  });
});
