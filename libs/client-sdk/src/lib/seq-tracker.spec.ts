import { SeqTracker } from './seq-tracker';

describe('SeqTracker', () => {
  it('takes the floor from the first streamed message and drops duplicates by (chatId, seq)', () => {
    const t = new SeqTracker();
    expect(t.contiguous('a')).toBeNull();
    expect(t.receive('a', 5)).toBe(true);
    expect(t.contiguous('a')).toBe(5);
    expect(t.receive('a', 6)).toBe(true);
    expect(t.receive('a', 5)).toBe(false);
    expect(t.receive('a', 6)).toBe(false);
    expect(t.receive('a', 3)).toBe(false); // below the floor: the server had it as delivered
    expect(t.receive('b', 6)).toBe(true); // other chat, same seq
    expect(t.contiguous('a')).toBe(6);
  });

  it('contiguous stops at a gap and closes it when the missing seq arrives', () => {
    const t = new SeqTracker();
    t.receive('a', 1);
    t.hold('a', 3);
    t.hold('a', 4);
    expect(t.contiguous('a')).toBe(1);
    expect(t.has('a', 3)).toBe(true);
    expect(t.has('a', 2)).toBe(false);
    expect(t.receive('a', 2)).toBe(true);
    expect(t.contiguous('a')).toBe(4);
    expect(t.receive('a', 3)).toBe(false);
  });

  it('own acks establish no floor, so they never claim older messages delivered', () => {
    const t = new SeqTracker();
    expect(t.hold('a', 7)).toBe(true);
    expect(t.contiguous('a')).toBeNull();
    expect(t.hold('a', 7)).toBe(false);
    // the replay of 5 and 6 arrives afterwards: 5 sets the floor, then 6 and the held 7 join
    expect(t.receive('a', 5)).toBe(true);
    expect(t.contiguous('a')).toBe(5);
    expect(t.receive('a', 6)).toBe(true);
    expect(t.contiguous('a')).toBe(7);
    expect(t.receive('a', 7)).toBe(false);
  });

  it('the latest history page establishes the floor; older pages do not', () => {
    const t = new SeqTracker();
    t.holdRange('a', 41, 50, false);
    expect(t.contiguous('a')).toBeNull();
    t.holdRange('a', 51, 60, true);
    expect(t.contiguous('a')).toBe(60);
    expect(t.receive('a', 55)).toBe(false);
    expect(t.receive('a', 61)).toBe(true);
    expect(t.contiguous('a')).toBe(61);
  });

  it('forget drops a chat', () => {
    const t = new SeqTracker();
    t.receive('a', 1);
    t.forget('a');
    expect(t.has('a', 1)).toBe(false);
    expect(t.contiguous('a')).toBeNull();
  });
});
