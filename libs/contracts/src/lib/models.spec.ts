import { jsonBytes, toChatEvent } from './models';

describe('jsonBytes', () => {
  it('counts the UTF-8 bytes of the JSON text, escapes included', () => {
    for (const value of ['hi', '\u0001'.repeat(10), 'é', '€', '😀', { a: ['x', 1, null] }, '\ud800', 'a"b\\c\n']) {
      expect(jsonBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
    }
    expect(jsonBytes('\u0001')).toBe(8); // "\u0001" with its quotes
  });
});

describe('toChatEvent', () => {
  const member = (i: number) => ({
    userId: `u${String(i).padStart(2, '0')}`,
    role: 'member' as const,
    joinedAt: new Date(i * 1000).toISOString(),
  });
  const chat = (n: number) => ({
    id: 'c',
    type: 'group' as const,
    title: 't',
    members: Array.from({ length: n }, (_, i) => member(i)),
    createdAt: new Date(0).toISOString(),
    lastSeq: 0,
  });

  it('keeps the first 32 members in their (joinedAt) order and counts them all', () => {
    const event = toChatEvent(chat(40));
    expect(event.members).toEqual(chat(40).members.slice(0, 32));
    expect(event.memberCount).toBe(40);
  });

  it('leaves a small chat whole, plus memberCount', () => {
    expect(toChatEvent(chat(2))).toEqual({ ...chat(2), memberCount: 2 });
  });
});
